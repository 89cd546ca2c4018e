"""Near-duplicates: MinHash signatures of word shingles in an LSH index over a time window."""

from __future__ import annotations

import copy
import functools
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from datasketch import MinHash, MinHashLSH

NON_WORD = re.compile(r"\W")
SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1  # fixed: signatures must compare across processes and restarts
SCHEME = "affine32"
# Ingest's signature of the article, carried on the raw record so that a restart reads it
# instead of computing it again. The version names the scheme above: change both together.
SIGNATURE_HEADER = "wirewatch-minhash-v2"
# The permutations (a, b) of every signature, drawn once from the fixed seed.
_TEMPLATE = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
_PERMUTATIONS = _TEMPLATE.permutations
_A, _B = (p.astype(np.uint32).reshape(1, -1) for p in _PERMUTATIONS)
# Words combine into a shingle as a polynomial in this odd multiplier (mod 2^64).
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15**k % 2**64 for k in range(SHINGLE_WORDS)], np.uint64)
# Code points combine into a word hash as a polynomial in this odd multiplier (mod 2^64).
_WORD_MULTIPLIER = np.uint64(0x100000001B3)
_WORD_INVERSE = np.uint64(pow(0x100000001B3, -1, 2**64))
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the overlapping runs of five normalised words, vectorised.

    A word is a run of the characters that `\\w` matches, after case folding; each word is
    hashed as a polynomial in its code points (so equal words hash equal wherever they
    stand), mixed, and five consecutive word hashes combine into a shingle's hash.
    """
    codes = np.frombuffer(text.casefold().encode("utf-32-le", "surrogatepass"), np.uint32)
    starts, ends = _word_bounds(_word_chars()[codes])
    if starts.size == 0:
        return np.empty(0, dtype=np.uint32)
    powers, inverses = _powers(codes.size)
    running = np.zeros(codes.size + 1, dtype=np.uint64)
    np.cumsum((codes.astype(np.uint64) + np.uint64(1)) * powers, out=running[1:])
    # A word's sum of code * M^position, shifted back to start at M^0 (M is odd: invertible).
    hashed = _mix64((running[ends] - running[starts]) * inverses[starts])
    span = min(SHINGLE_WORDS, hashed.size)
    count = hashed.size - span + 1
    combined = np.zeros(count, dtype=np.uint64)
    for k in range(span):  # uint64 arithmetic wraps: the polynomial is taken mod 2^64
        combined += hashed[k : k + count] * _MULTIPLIERS[k]
    return (combined >> np.uint64(32)).astype(np.uint32)


@functools.cache
def _word_chars() -> np.ndarray:
    """For every code point, whether `re`'s `\\w` matches it (built once, about 0.2 s)."""
    every = "".join(map(chr, range(0x110000)))
    kept = NON_WORD.sub("\0", every).encode("utf-32-le", "surrogatepass")
    table: np.ndarray = np.frombuffer(kept, np.uint32) != 0
    return table


def _word_bounds(is_word: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the runs of True."""
    bounds = np.flatnonzero(is_word[1:] != is_word[:-1]) + 1
    if is_word.size and is_word[0]:
        bounds = np.concatenate(([0], bounds))
    if is_word.size and is_word[-1]:
        bounds = np.concatenate((bounds, [is_word.size]))
    return bounds[0::2], bounds[1::2]


_POWERS = np.ones(1, dtype=np.uint64)
_INVERSES = np.ones(1, dtype=np.uint64)


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """M^i and M^-i mod 2^64 for i < n (tables grown on demand, shared by all calls)."""
    global _POWERS, _INVERSES
    if _POWERS.size < n:
        size = max(n, 2 * _POWERS.size, 1 << 14)
        _POWERS, _INVERSES = _geometric(_WORD_MULTIPLIER, size), _geometric(_WORD_INVERSE, size)
    return _POWERS[:n], _INVERSES[:n]


def _geometric(ratio: np.uint64, size: int) -> np.ndarray:
    """1, r, r^2, ... mod 2^64."""
    factors = np.full(size, ratio, dtype=np.uint64)
    factors[0] = 1
    return np.cumprod(factors, dtype=np.uint64)


def _mix64(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every bit of a word's hash depends on every code point."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    mixed: np.ndarray = h ^ (h >> np.uint64(31))
    return mixed


def signature(text: str) -> MinHash:
    """The MinHash of the text's shingles, computed in one vectorised step.

    Same scheme as datasketch's `affine32` (murmur finaliser, then h -> a*h + b mod 2^32),
    with shingles hashed from vectorised word hashes instead of SHA-1 of each shingle.
    """
    hashes = shingle_hashes(text)
    if hashes.size == 0:
        values = _EMPTY.copy()
    else:
        mixed = _fmix32(hashes).reshape(-1, 1)
        values = (mixed * _A + _B).min(axis=0)
    return _minhash(values)


def _minhash(values: np.ndarray) -> MinHash:
    """A MinHash holding these values: a copy of a template, since datasketch's constructor
    re-validates the shared permutations and the values (a fifth of a signature's cost)."""
    minhash = copy.copy(_TEMPLATE)
    minhash.hashvalues = values
    return minhash


def to_bytes(minhash: MinHash) -> bytes:
    """The signature as 128 little-endian uint32: the raw record's `SIGNATURE_HEADER`."""
    return np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


def from_bytes(data: bytes | None) -> MinHash | None:
    """A signature written by `to_bytes`; None if absent or not one."""
    if data is None or len(data) != NUM_PERM * 4:
        return None
    return _minhash(np.frombuffer(data, dtype="<u4").astype(np.uint32))


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser (uint32 arithmetic wraps)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    mixed: np.ndarray = h ^ (h >> np.uint32(16))
    return mixed


@dataclass
class _Entry:
    story_id: str
    seen: datetime
    minhash: MinHash


@dataclass(frozen=True)
class Match:
    article_id: str
    story_id: str
    similarity: float


class NearDuplicates:
    """Articles of the last `window_s` (at most `capacity`), queryable by similarity."""

    def __init__(self, threshold: float, window_s: float, capacity: int):
        self.threshold = threshold
        self.window = timedelta(seconds=window_s)
        self.capacity = capacity
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._entries

    def find(self, minhash: MinHash) -> Match | None:
        """The most similar earlier article at or above the threshold."""
        best: Match | None = None
        for key in self._lsh.query(minhash):
            entry = self._entries[key]
            similarity = float(entry.minhash.jaccard(minhash))
            if similarity >= self.threshold and (best is None or similarity > best.similarity):
                best = Match(key, entry.story_id, similarity)
        return best

    def add(self, article_id: str, story_id: str, seen: datetime, minhash: MinHash) -> None:
        if article_id in self._entries:
            return
        self._lsh.insert(article_id, minhash)
        self._entries[article_id] = _Entry(story_id, seen, minhash)
        self._expire(seen)

    def remove(self, article_id: str) -> None:
        if self._entries.pop(article_id, None) is not None:
            self._lsh.remove(article_id)

    def _expire(self, now: datetime) -> None:
        cutoff = now - self.window
        while self._entries:
            key, oldest = next(iter(self._entries.items()))
            if len(self._entries) <= self.capacity and oldest.seen >= cutoff:
                break
            self.remove(key)
