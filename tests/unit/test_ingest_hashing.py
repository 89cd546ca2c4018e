"""The fast text paths of ingest agree with their plain definitions: clean_text, words, MinHash."""

from __future__ import annotations

import random
import re
import unicodedata

import numpy as np
import pytest

from wirewatch.core.text import clean_text, language
from wirewatch.ingest.neardup import (
    SIGNATURE_HEADER,
    _word_bounds,
    _word_chars,
    from_bytes,
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
    assert 0.6 < base.jaccard(edited) < 0.95
    assert base.jaccard(unrelated) < 0.05
    assert base.jaccard(signature(" ".join(words))) == 1.0


def test_a_signature_survives_the_record_header() -> None:
    minhash = signature("Fayez Al-Sarraj refuses to negotiate with Khalifa Haftar.")
    back = from_bytes(to_bytes(minhash))
    assert back is not None
    assert back.jaccard(minhash) == 1.0
    assert SIGNATURE_HEADER.endswith("-v2")  # the word hashing changed: old headers are not read
    assert from_bytes(b"short") is None


def test_language_reads_further_when_the_opening_is_unsure() -> None:
    english = "The minister said in Paris on Monday that the talks with Germany had failed. " * 5
    assert language(english) == "en"
    # Names only at the start: unsure at 200 characters, settled by what follows.
    names = "Khalifa Haftar, Fayez Al-Sarraj, Recep Tayyip Erdogan, Vladimir Putin. " * 3
    assert language(names + english) == "en"
    assert language("too short") is None
