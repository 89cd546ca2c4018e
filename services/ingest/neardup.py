"""Near-duplicates: MinHash signatures of word shingles in an LSH index over a time window."""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from datasketch import MinHash, MinHashLSH

WORD = re.compile(r"\w+")
SHINGLE_WORDS = 5
NUM_PERM = 128
SEED = 1  # fixed: signatures must compare across processes and restarts


def shingles(text: str) -> set[bytes]:
    """Overlapping runs of five normalised words."""
    words = WORD.findall(text.casefold())
    if len(words) < SHINGLE_WORDS:
        return {" ".join(words).encode()} if words else set()
    return {
        " ".join(words[i : i + SHINGLE_WORDS]).encode()
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }


def signature(text: str) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
    minhash.update_batch(list(shingles(text)))
    return minhash


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
