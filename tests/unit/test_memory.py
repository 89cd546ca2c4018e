"""glibc's heap: resident memory falls after a trim, the arena cap holds, big blocks go back."""

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


glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only"
)


@glibc_only
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


ARENAS_SCRIPT = """
import ctypes, sys, threading
from wirewatch.core import memory
if sys.argv[1] == "limit":
    assert memory.limit_arenas(2)
together = threading.Barrier(8)
def work():  # all alive at once: a thread that has ended hands its arena on
    blocks = [bytearray(2048) for _ in range(100)]
    together.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
for t in threads: t.start()
for t in threads: t.join()
libc = ctypes.CDLL("libc.so.6")
libc.fopen.restype = ctypes.c_void_p
libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fclose.argtypes = [ctypes.c_void_p]
handle = libc.fopen(sys.argv[2].encode(), b"w")
libc.malloc_info(0, handle)
libc.fclose(handle)
"""


def _arenas(tmp_path: Path, mode: str) -> int:
    import os
    import subprocess
    import sys

    out = tmp_path / f"{mode}.xml"
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    subprocess.run([sys.executable, "-c", ARENAS_SCRIPT, mode, str(out)], check=True, env=env)
    return out.read_text().count("<heap nr=")


@glibc_only
def test_the_arena_cap_keeps_threads_to_two_arenas(tmp_path: Path) -> None:
    # glibc gives each new thread an arena of its own until the cap (eight per core).
    assert _arenas(tmp_path, "default") > 2
    assert _arenas(tmp_path, "limit") == 2


THRESHOLD_SCRIPT = """
import ctypes, sys
from wirewatch.core import memory
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
if sys.argv[1] == "fixed":
    assert memory.fix_mmap_threshold(128 * 1024)
libc = ctypes.CDLL("libc.so.6")
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
big = libc.malloc(20 << 20)  # freeing a big block raises glibc's dynamic threshold
libc.free(big)
before = rss()
blocks = [libc.malloc(1 << 20) for _ in range(30)]
for b in blocks:
    libc.memset(b, 1, 1 << 20)  # touch every page
for b in blocks:
    libc.free(b)
print(rss() - before)
"""


def _kept_mb(mode: str) -> float:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    run = subprocess.run(
        [sys.executable, "-c", THRESHOLD_SCRIPT, mode],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    return float(run.stdout)


@glibc_only
def test_a_fixed_mmap_threshold_returns_freed_blocks_at_once() -> None:
    # With the default, the 20 MB block freed first lifts the threshold (and the heap's
    # trim threshold to 40 MB), so thirty 1 MB blocks come from the heap and their 30 MB
    # stay resident after they are freed; fixed, each had pages of its own, unmapped at free.
    assert _kept_mb("default") > 25
    assert _kept_mb("fixed") < 5
