"""Near-duplicates: MinHash signatures of word shingles in an LSH index over a time window."""

from __future__ import annotations

import functools
import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

NON_WORD = re.compile(r"\W")
SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1  # fixed: signatures must compare across processes and restarts
# Ingest's signature of the article, carried on the raw record so that a restart reads it
# instead of computing it again. The version names the scheme above: change both together.
SIGNATURE_HEADER = "wirewatch-minhash-v2"
# A signature: NUM_PERM uint32 minima, one per permutation h -> a*h + b mod 2^32.
Signature = np.ndarray
# The permutations (a, b), drawn from the fixed seed as datasketch's MinHash (scheme
# "affine32") draws them, so signatures equal those written while ingest used datasketch:
# an odd a makes h -> a*h + b mod 2^32 a bijection.
_DRAW = np.random.RandomState(SEED)
_A = (_DRAW.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1))[None]
_B = _DRAW.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)[None]
# Words combine into a shingle as a polynomial in this odd multiplier (mod 2^64).
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15**k % 2**64 for k in range(SHINGLE_WORDS)], np.uint64)
# Code points combine into a word hash as a polynomial in this odd multiplier (mod 2^64).
_WORD_MULTIPLIER = np.uint64(0x100000001B3)
_WORD_INVERSE = np.uint64(pow(0x100000001B3, -1, 2**64))
# Minima of one band combine into its key as a sum with these odd multipliers (mod 2^64).
_BAND_MIX = np.random.RandomState(SEED).randint(0, 1 << 62, NUM_PERM, dtype=np.uint64) * 2 + 1
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


def signature(text: str) -> Signature:
    """The MinHash of the text's shingles, computed in one vectorised step.

    Same scheme as datasketch's `affine32` (murmur finaliser, then h -> a*h + b mod 2^32),
    with shingles hashed from vectorised word hashes instead of SHA-1 of each shingle.
    """
    hashes = shingle_hashes(text)
    if hashes.size == 0:
        return _EMPTY.copy()
    values: Signature = (_fmix32(hashes).reshape(-1, 1) * _A + _B).min(axis=0)
    return values


def jaccard(first: Signature, second: Signature) -> float:
    """The estimated Jaccard similarity of the two texts: the share of equal minima."""
    return float(np.count_nonzero(first == second)) / NUM_PERM


def to_bytes(minhash: Signature) -> bytes:
    """The signature as 128 little-endian uint32: the raw record's `SIGNATURE_HEADER`."""
    return np.asarray(minhash, dtype="<u4").tobytes()


def from_bytes(data: bytes | None) -> Signature | None:
    """A signature written by `to_bytes`; None if absent or not one."""
    if data is None or len(data) != NUM_PERM * 4:
        return None
    return np.frombuffer(data, dtype="<u4").astype(np.uint32)


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
    minhash: Signature
    bands: list[int]


@dataclass(frozen=True)
class Match:
    article_id: str
    story_id: str
    similarity: float


@functools.cache
def band_shape(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """(bands, rows) minimising false positives plus false negatives at the threshold.

    The choice datasketch's MinHashLSH makes (equal weights): the chance that two texts of
    similarity s share a band is 1 - (1 - s^r)^b, integrated below the threshold (false
    positives) and its complement above (false negatives). The integrands are polynomials
    of degree b*r <= num_perm, so Gauss-Legendre with num_perm/2 + 1 points is exact.
    """
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)
    below = threshold / 2 * (nodes + 1)
    above = threshold + (1 - threshold) / 2 * (nodes + 1)
    best, shape = float("inf"), (0, 0)
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            hit_below = 1 - (1 - below**rows) ** bands
            miss_above = (1 - above**rows) ** bands
            false_positive = threshold * float(weights @ hit_below) / 2
            false_negative = (1 - threshold) * float(weights @ miss_above) / 2
            error = (false_positive + false_negative) / 2
            if error < best:
                best, shape = error, (bands, rows)
    return shape


class NearDuplicates:
    """Articles of the last `window_s` (at most `capacity`), queryable by similarity.

    Locality-sensitive hashing by bands: a signature is cut into `bands` runs of `rows`
    minima, and two texts are compared only if some run is equal in both. Each run is
    hashed to a 64-bit int (one numpy step for all bands) that keys one dict per band,
    holding an article id, or a set of them when several share the run: plain strings
    rather than a set per band and article, which the garbage collector would have to
    walk (a set each cost twice the insert itself). datasketch's index cost 25 numpy
    calls per article.
    """

    def __init__(self, threshold: float, window_s: float, capacity: int):
        self.threshold = threshold
        self.window = timedelta(seconds=window_s)
        self.capacity = capacity
        self.bands, self.rows = band_shape(threshold)
        self._tables: list[dict[int, str | set[str]]] = [{} for _ in range(self.bands)]
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._entries

    def _band_keys(self, minhash: Signature) -> list[int]:
        runs = minhash[: self.bands * self.rows].reshape(self.bands, self.rows)
        keys: list[int] = (runs * _BAND_MIX[: self.rows]).sum(axis=1, dtype=np.uint64).tolist()
        return keys

    def find(self, minhash: Signature) -> Match | None:
        """The most similar earlier article at or above the threshold."""
        candidates: set[str] = set()
        for table, key in zip(self._tables, self._band_keys(minhash), strict=True):
            found = table.get(key)
            if isinstance(found, str):
                candidates.add(found)
            elif found:
                candidates |= found
        best: Match | None = None
        for article_id in candidates:
            entry = self._entries[article_id]
            similarity = jaccard(entry.minhash, minhash)
            if similarity >= self.threshold and (best is None or similarity > best.similarity):
                best = Match(article_id, entry.story_id, similarity)
        return best

    def add(self, article_id: str, story_id: str, seen: datetime, minhash: Signature) -> None:
        if article_id in self._entries:
            return
        keys = self._band_keys(minhash)
        for table, key in zip(self._tables, keys, strict=True):
            found = table.setdefault(key, article_id)
            if found is article_id:
                continue
            if isinstance(found, str):
                table[key] = {found, article_id}
            else:
                found.add(article_id)
        self._entries[article_id] = _Entry(story_id, seen, minhash, keys)
        self._expire(seen)

    def remove(self, article_id: str) -> None:
        entry = self._entries.pop(article_id, None)
        if entry is None:
            return
        for table, key in zip(self._tables, entry.bands, strict=True):
            members = table[key]
            if isinstance(members, str):
                del table[key]
                continue
            members.discard(article_id)
            if len(members) == 1:
                table[key] = members.pop()

    def _expire(self, now: datetime) -> None:
        cutoff = now - self.window
        while self._entries:
            key, oldest = next(iter(self._entries.items()))
            if len(self._entries) <= self.capacity and oldest.seen >= cutoff:
                break
            self.remove(key)
