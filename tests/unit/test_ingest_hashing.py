"""Ingest's fast text paths agree with their plain definitions: clean_text, words, MinHash, LSH."""

from __future__ import annotations

import hashlib
import random
import re
import unicodedata
from datetime import timedelta

import numpy as np
import pytest

from wirewatch.core.ids import comparable_text
from wirewatch.core.models import utcnow
from wirewatch.core.text import clean_text, language
from wirewatch.ingest.neardup import (
    SIGNATURE_HEADER,
    NearDuplicates,
    _word_bounds,
    _word_chars,
    band_shape,
    from_bytes,
    jaccard,
    shingle_hashes,
    signature,
    to_bytes,
)

SPACING = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def reference_normalise(text: str) -> str:
    """clean_text as first written: line by line."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    lines = [SPACING.sub(" ", line).strip() for line in CONTROL.sub("", text).split("\n")]
    return re.sub(r"\n\s*\n\s*", "\n\n", "\n".join(lines)).strip()


def test_normalise_agrees_with_the_line_by_line_definition_on_random_text() -> None:
    alphabet = list("ab \n\r\t\x00\x0b\x0c\x1c\x85\u00a0\u1680\u2000\u200b\u2028\u2029\u3000")
    alphabet += ["e\u0301", "\u00e9", "  ", " \n "]
    rnd = random.Random(7)
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 16)))
        assert clean_text(text) == reference_normalise(text), repr(text)


def test_comparable_text_agrees_with_splitting_on_random_text() -> None:
    alphabet = [*"aB \n\t\u00a0\u2028\u00c9\u00df", "e\u0301", "\n\n", "\n\n\n", "  "]
    rnd = random.Random(9)
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        expected = " ".join(unicodedata.normalize("NFC", text).split()).casefold()
        assert comparable_text(text) == expected, repr(text)
        assert comparable_text(clean_text(text)) == " ".join(clean_text(text).split()).casefold()


def test_words_are_the_runs_that_re_w_matches() -> None:
    text = "Al-Sarraj's GNA: 12,5 % über Straße_2 — 東京 and naïve cafés\u2028x\u00a0y"
    codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)
    starts, ends = _word_bounds(_word_chars()[codes])
    found = [text[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]
    assert found == re.findall(r"\w+", text)


@pytest.mark.parametrize("words", [0, 1, 4, 5, 6, 40])
def test_one_hash_per_run_of_five_words(words: int) -> None:
    text = " ".join(f"w{k}" for k in range(words))
    expected = max(words - 4, 1) if words else 0
    assert shingle_hashes(text).size == expected


def test_a_shingle_hashes_the_same_wherever_it_stands_and_in_any_case() -> None:
    shingle = shingle_hashes("the talks in Tripoli failed")
    later = shingle_hashes("Earlier, ... THE TALKS in tripoli   failed")
    assert shingle.size == 1
    assert shingle[0] == later[-1]
    assert shingle[0] != shingle_hashes("the talks in Tripoli fail")[0]


def test_signatures_estimate_overlap() -> None:
    rnd = random.Random(3)
    words = [f"word{rnd.randrange(10_000)}" for _ in range(400)]
    base = signature(" ".join(words))
    edited = signature(" ".join(words[:360] + ["other"] * 40))
    unrelated = signature(" ".join(f"x{rnd.randrange(10_000)}" for _ in range(400)))
    assert 0.6 < jaccard(base, edited) < 0.95
    assert jaccard(base, unrelated) < 0.05
    assert jaccard(base, signature(" ".join(words))) == 1.0


def test_a_signature_survives_the_record_header() -> None:
    minhash = signature("Fayez Al-Sarraj refuses to negotiate with Khalifa Haftar.")
    back = from_bytes(to_bytes(minhash))
    assert back is not None
    assert jaccard(back, minhash) == 1.0
    assert SIGNATURE_HEADER.endswith("-v2")  # the word hashing changed: old headers are not read
    assert from_bytes(b"short") is None


def test_signatures_are_those_written_when_ingest_used_datasketch() -> None:
    # Raw records carry the signature (header -v2): a restart reads them back and compares
    # them with new ones, so the permutations must stay datasketch's affine32 draw (seed 1).
    text = "Fayez Al-Sarraj refuses to negotiate with Khalifa Haftar, who he accuses of crimes."
    values = signature(text)
    assert values[:4].tolist() == [137935314, 60840961, 114764792, 502798994]
    digest = hashlib.sha256(values.astype("<u4").tobytes()).hexdigest()[:16]
    assert digest == "1b96304898259d92"


@pytest.mark.parametrize(
    ("threshold", "perms", "shape"),
    # datasketch's MinHashLSH choices (its _optimal_param, equal weights)
    [
        (0.5, 128, (25, 5)),
        (0.3, 128, (37, 3)),
        (0.8, 128, (9, 13)),
        (0.95, 128, (3, 42)),
        (0.1, 128, (64, 2)),
        (0.5, 64, (14, 4)),
    ],
)
def test_bands_are_chosen_as_datasketch_chose_them(
    threshold: float, perms: int, shape: tuple[int, int]
) -> None:
    assert band_shape(threshold, perms) == shape


def test_the_index_finds_the_most_similar_and_forgets_what_it_removes() -> None:
    rnd = random.Random(5)
    words = [f"w{rnd.randrange(50_000)}" for _ in range(300)]
    index = NearDuplicates(0.5, window_s=3600, capacity=10)
    now = utcnow()
    index.add("a", "story-a", now, signature(" ".join(words[:200] + ["x"] * 100)))
    index.add("b", "story-b", now, signature(" ".join(words[:280] + ["y"] * 20)))
    match = index.find(signature(" ".join(words)))
    assert match is not None
    assert (match.article_id, match.story_id) == ("b", "story-b")
    assert 0.8 < match.similarity < 1.0
    index.remove("b")
    other = index.find(signature(" ".join(words)))
    assert other is not None
    assert other.article_id == "a"
    index.remove("a")
    assert index.find(signature(" ".join(words))) is None
    assert all(not table for table in index._tables)  # nothing left behind in the bands


def test_the_index_keeps_at_most_its_capacity_and_its_window() -> None:
    index = NearDuplicates(0.5, window_s=60, capacity=3)
    start = utcnow()
    for k in range(5):
        index.add(f"a{k}", f"a{k}", start, signature(f"story number {k} " * 20))
    assert len(index) == 3
    assert "a0" not in index
    assert "a4" in index
    index.add("late", "late", start + timedelta(seconds=120), signature("later news " * 20))
    assert len(index) == 1
    assert "late" in index


def test_language_reads_further_when_the_opening_is_unsure() -> None:
    english = "The minister said in Paris on Monday that the talks with Germany had failed. " * 5
    assert language(english) == "en"
    # Names only at the start: unsure at 200 characters, settled by what follows.
    names = "Khalifa Haftar, Fayez Al-Sarraj, Recep Tayyip Erdogan, Vladimir Putin. " * 3
    assert language(names + english) == "en"
    assert language("too short") is None
