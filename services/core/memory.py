"""glibc's heap in a long-lived multi-threaded worker: fewer arenas, free pages handed back."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from typing import Any

M_ARENA_MAX = -8  # mallopt's parameter numbers (glibc's malloc.h): the arena cap
M_MMAP_THRESHOLD = -3  # and the size from which a block gets pages of its own


@functools.cache
def _libc() -> Any:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.malloc_trim.argtypes = [ctypes.c_size_t]
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None
    return libc


def limit_arenas(count: int) -> bool:
    """Cap glibc's malloc arenas at `count`, unless MALLOC_ARENA_MAX already says; call it
    before the threads start. False where the C library cannot.

    glibc gives threads arenas of their own, up to eight per core, and memory freed in one
    cannot serve another: with spaCy, onnxruntime and numpy allocating from four threads,
    the enrich worker's peak was 416-436 MB with the default and 377-387 MB with two arenas,
    at the same throughput (docs/benchmarks.md).
    """
    libc = _libc()
    if libc is None:
        return False
    if "MALLOC_ARENA_MAX" in os.environ:  # glibc has read it: the operator's choice stands
        return True
    return bool(libc.mallopt(M_ARENA_MAX, count))


def fix_mmap_threshold(size: int) -> bool:
    """Give every block of `size` bytes or more pages of its own, returned when it is freed,
    unless MALLOC_MMAP_THRESHOLD_ already says; False where the C library cannot.

    glibc starts at 128 KiB but raises the threshold to the size of each large block freed
    (up to 32 MiB), so after the first big numpy arrays an analysis's temporaries come from
    the heap and stay resident after it. Fixed, the enrich worker's peak in
    `--phases light,alert,burst` runs was 343 and 367 MB against 387 and 426 MB
    (docs/benchmarks.md).
    """
    libc = _libc()
    if libc is None:
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ:  # the operator's choice stands
        return True
    return bool(libc.mallopt(M_MMAP_THRESHOLD, size))


def trim() -> bool:
    """Return freed heap memory to the system; False where the C library cannot.

    glibc keeps what the threads free in their arenas: after a long article or a burst the
    resident size stays at its high-water mark although the memory is free. Trimming costs
    a few milliseconds and is worth it every few seconds, not per article.
    """
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
