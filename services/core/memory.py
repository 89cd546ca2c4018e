"""Handing the heap's free pages back to the system (glibc's `malloc_trim`) between batches."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def trim() -> bool:
    """Return freed heap memory to the system; False where the C library cannot.

    glibc keeps what the threads free in their arenas: after a long article or a burst the
    resident size stays at its high-water mark although the memory is free. Trimming costs
    a few milliseconds and is worth it every few seconds, not per article.
    """
    malloc_trim = _malloc_trim()
    if malloc_trim is None:
        return False
    malloc_trim(0)
    return True
