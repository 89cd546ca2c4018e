"""Process lifecycle: SIGTERM and SIGINT set a stop event; a second signal exits at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # prctl(2)


def install_stop_signals(stop: asyncio.Event) -> None:
    """Ask the worker to stop on the first SIGINT/SIGTERM; exit hard on the second."""
    loop = asyncio.get_running_loop()

    def handler(signum: int) -> None:
        if stop.is_set():
            log.warning("second signal %d: exiting now", signum)
            os._exit(128 + signum)
        log.info("signal %d: stopping gracefully", signum)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, handler, sig)


def die_with_parent() -> None:
    """In a child before exec: be sent SIGTERM when the parent dies (Linux), so a killed
    launcher leaves nothing running. For `subprocess.Popen(preexec_fn=...)`."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the call: nobody would tell us
        os._exit(1)


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`, waking early when asked to stop; True if stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


class Stopped(Exception):
    """Asked to stop before a start-up step finished: nothing to clean up yet."""


async def unless_stopping(stop: asyncio.Event, fn: Callable[[], T]) -> T:
    """`fn()` in a daemon thread; raises Stopped as soon as `stop` is set.

    For start-up work that cannot be interrupted (loading models): a stop during it
    returns at once, and the daemon thread does not hold the process's exit."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()

    def work() -> None:
        try:
            result: T | None = fn()
            error: BaseException | None = None
        except BaseException as exc:  # handed to the waiting coroutine
            result, error = None, exc
        # Stopped early, the caller may have closed its loop by now: nobody waits any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, done, result, error)

    threading.Thread(target=work, daemon=True, name="start-up").start()
    stopper = asyncio.ensure_future(stop.wait())
    waiters: set[asyncio.Future[Any]] = {done, stopper}
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if not done.done():
        raise Stopped
    return done.result()


def _settle(fut: asyncio.Future[T], result: T | None, exc: BaseException | None) -> None:
    if fut.done():
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(result)  # type: ignore[arg-type]
