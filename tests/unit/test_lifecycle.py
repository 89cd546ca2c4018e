"""Start-up work that cannot be interrupted does not hold up a stop."""

from __future__ import annotations

import asyncio
import time

import pytest

from wirewatch.core.lifecycle import Stopped, unless_stopping


async def test_the_result_comes_back() -> None:
    assert await unless_stopping(asyncio.Event(), lambda: 6 * 7) == 42


async def test_an_error_in_the_work_is_raised() -> None:
    def fail() -> None:
        raise ValueError("no model")

    with pytest.raises(ValueError, match="no model"):
        await unless_stopping(asyncio.Event(), fail)


async def test_a_stop_during_slow_work_returns_at_once() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.1, stop.set)
    started = time.monotonic()
    with pytest.raises(Stopped):
        await unless_stopping(stop, lambda: time.sleep(5))  # a model that loads for 5 s
    assert time.monotonic() - started < 2
