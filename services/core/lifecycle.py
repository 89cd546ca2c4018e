"""Process lifecycle: SIGTERM and SIGINT set a stop event; a second signal exits at once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal

log = logging.getLogger(__name__)


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


async def sleep_or_stop(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to `seconds`, waking early when asked to stop; True if stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()
