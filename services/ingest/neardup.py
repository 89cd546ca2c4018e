"""Near-duplicates: MinHash signatures of word shingles in an LSH index over a time window."""

from __future__ import annotations

import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")
SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1  # fixed: signatures must compare across processes and restarts
SCHEME = "affine32"
# Ingest's signature of the article, carried on the raw record so that a restart reads it
# instead of computing it again. The version names the scheme above: change both together.
SIGNATURE_HEADER = "wirewatch-minhash-v1"
# The permutations (a, b) of every signature, drawn once from the fixed seed.
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations
_A, _B = (p.astype(np.uint32).reshape(1, -1) for p in _PERMUTATIONS)
# Words combine into a shingle as a polynomial in this odd multiplier (mod 2^64).
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15**k % 2**64 for k in range(SHINGLE_WORDS)], np.uint64)
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)


def shingles(text: str) -> set[bytes]:
    """Overlapping runs of five normalised words."""
    words = WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {
        " ".join(words[i : i + SHINGLE_WORDS]).encode()
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the overlapping runs of five normalised words (numpy, no strings)."""
    words = WORD.findall(text.casefold())
    if not words:
        return np.empty(0, dtype=np.uint32)
    hashed = np.fromiter((zlib.crc32(w.encode()) for w in words), np.uint64, len(words))
    span = min(SHINGLE_WORDS, len(words))
    count = len(words) - span + 1
    combined = np.zeros(count, dtype=np.uint64)
    for k in range(span):  # uint64 arithmetic wraps: the polynomial is taken mod 2^64
        combined += hashed[k : k + count] * _MULTIPLIERS[k]
    return (combined >> np.uint64(32)).astype(np.uint32)


def signature(text: str) -> MinHash:
    """The MinHash of the text's shingles, computed in one vectorised step.

    Same scheme as datasketch's `affine32` (murmur finaliser, then h -> a*h + b mod 2^32),
    with shingles hashed by word CRCs instead of SHA-1 of each shingle: ten times cheaper.
    """
    hashes = shingle_hashes(text)
    if hashes.size == 0:
        values = _EMPTY.copy()
    else:
        mixed = _fmix32(hashes).reshape(-1, 1)
        values = (mixed * _A + _B).min(axis=0)
    return MinHash(
        num_perm=NUM_PERM, seed=SEED, hashvalues=values, permutations=_PERMUTATIONS, scheme=SCHEME
    )


def to_bytes(minhash: MinHash) -> bytes:
    """The signature as 128 little-endian uint32: the raw record's `SIGNATURE_HEADER`."""
    return np.asarray(minhash.hashvalues, dtype="<u4").tobytes()


def from_bytes(data: bytes | None) -> MinHash | None:
    """A signature written by `to_bytes`; None if absent or not one."""
    if data is None or len(data) != NUM_PERM * 4:
        return None
    values = np.frombuffer(data, dtype="<u4").astype(np.uint32)
    return MinHash(
        num_perm=NUM_PERM, seed=SEED, hashvalues=values, permutations=_PERMUTATIONS, scheme=SCHEME
    )


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
