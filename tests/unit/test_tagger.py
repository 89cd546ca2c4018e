"""The entity tagger's features, windows and decoding, and the shipped model on real text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wirewatch.core.analysis.entities import nlp as nlp_mod
from wirewatch.core.analysis.entities import tagger as tagger_mod
from wirewatch.core.analysis.entities.tagger import (
    CASES,
    Words,
    case_class,
    spans,
    windows,
    words_of,
)

SAMPLE = Path(tagger_mod.__file__).resolve().parents[3] / "data" / "samples"


@pytest.mark.parametrize(
    ("word", "first", "expected"),
    [
        ("reuters", False, 1),
        ("Reuters", False, 2),
        ("NATO", False, 3),
        ("McDonald", False, 4),
        ("iPhone", False, 4),
        ("2020", False, 5),
        ("G7", False, 5),
        (",", False, 6),
        ("A", False, 2),
        ("The", True, 2 + CASES),
    ],
)
def test_casing_classes(word: str, first: bool, expected: int) -> None:
    assert case_class(word, first) == expected


def test_bio_labels_become_word_ranges() -> None:
    labels = ["B-PER", "I-PER", "O", "I-ORG", "I-ORG", "B-LOC", "B-LOC", "I-PER"]
    assert spans(labels) == [
        (0, 2, "PER"),
        (3, 5, "ORG"),
        (5, 6, "LOC"),
        (6, 7, "LOC"),
        (7, 8, "PER"),
    ]
    assert spans([]) == []
    assert spans(["B-MISC"]) == [(0, 1, "MISC")]


def _words(sentence_lengths: list[int]) -> Words:
    sentences, at = [], 0
    for n in sentence_lengths:
        sentences.append((at, at + n))
        at += n
    return Words(list(range(at)), ["w"] * at, [1] * at, [1] * at, sentences)


def test_windows_pack_whole_sentences_and_cut_only_a_long_one() -> None:
    words = _words([3, 3, 3, 10])
    pieces = [1] * 9 + [2] * 10  # the last sentence has 20 pieces
    got = list(windows(words, pieces, limit=7))
    assert got == [(0, 6), (6, 9), (9, 12), (12, 15), (15, 18), (18, 19)]
    # every word lands in exactly one window, in order
    assert [i for a, b in got for i in range(a, b)] == list(range(19))
    assert list(windows(words, pieces, limit=100)) == [(0, 19)]


@pytest.fixture(scope="module")
def nlp() -> Any:
    return nlp_mod.load()


def test_words_carry_spacys_entity_tags_and_skip_white_space(nlp: Any) -> None:
    doc = nlp("Angela Merkel visited Paris.\n\nShe left.")
    labels = sorted(nlp.get_pipe("ner").labels)
    words = words_of(doc, labels)
    assert "\n\n" not in words.text
    person, gpe = labels.index("PERSON"), labels.index("GPE")
    by_word = dict(zip(words.text, words.ent, strict=True))
    assert by_word["Angela"] == 2 + 2 * person  # B-PERSON
    assert by_word["Merkel"] == 3 + 2 * person  # I-PERSON
    assert by_word["Paris"] == 2 + 2 * gpe
    assert by_word["visited"] == 1
    assert words.case[0] == 2 + CASES  # "Angela" starts a sentence
    assert words.case[words.text.index("She")] == 2 + CASES
    assert len(words.sentences) == 2


def test_the_shipped_tagger_finds_the_sample_articles_actors(nlp: Any) -> None:
    doc = nlp((SAMPLE / "libya-gna-haftar.txt").read_text())
    tagger_mod.shared().retag(doc)
    found = {(e.text, e.label_) for e in doc.ents}
    assert ("Fayez Al-Sarraj", "PERSON") in found
    assert ("Khalifa Haftar", "PERSON") in found
    assert ("Tripoli", "GPE") in found
    assert ("Cham Wings Airlines", "ORG") in found
    # spaCy's own entities of other kinds survive where the tagger tagged nothing.
    assert any(e.label_ == "NORP" for e in doc.ents)


def test_retagging_is_deterministic_and_ignores_the_batch(nlp: Any) -> None:
    texts = [
        "Manchester United beat Arsenal at Old Trafford on Sunday.",
        "The European Central Bank raised rates, Christine Lagarde said in Frankfurt.",
    ]
    tagger = tagger_mod.shared()
    alone = []
    for text in texts:
        doc = nlp(text)
        tagger.retag(doc)
        alone.append([(e.start_char, e.end_char, e.label_) for e in doc.ents])
    docs = list(nlp.pipe(texts))
    for doc in docs:
        tagger.retag(doc)
    assert [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in docs] == alone


def test_the_analysis_uses_the_tagger_when_asked_and_says_so() -> None:
    from wirewatch.core.analysis.pipeline import Analyzer
    from wirewatch.core.articles import validate

    text = (SAMPLE / "libya-gna-haftar.txt").read_text()
    article = validate([{"id": "libya", "title": "Libya", "text": text}])
    tagged = Analyzer.load(method="vader", entities="tagger").analyze(article)[0].enriched
    plain = Analyzer.load(method="vader", entities="spacy").analyze(article)[0].enriched
    assert tagged.models.entities == "tagger-minilm-v1"
    assert plain.models.entities is None
    kinds = {a.name: a.type for a in tagged.actors}
    assert kinds["Cham Wings Airlines"] == "organisation"
    assert kinds["Khalifa Haftar"] == "person"
