"""Handing freed heap back: resident memory falls after a trim where glibc holds it."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest

from wirewatch.core import memory


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)
def test_a_trim_gives_back_what_was_freed_below_a_live_block() -> None:
    # 2 KB blocks are above Python's small-object allocator and below glibc's mmap
    # threshold, so they come from the heap; the block allocated last keeps the heap's top
    # in use, so glibc cannot shrink it by itself when the others are freed.
    blocks = [bytearray(2048) for _ in range(40_000)]
    for b in blocks:
        b[::512] = b"x" * 4  # touch every page
    pin = bytearray(2048)
    del blocks
    before = _rss_mb()
    assert memory.trim()
    after = _rss_mb()
    assert before - after > 40, (before, after)
    assert pin is not None
