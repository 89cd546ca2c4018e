"""The tagger's training data: gold spans as word labels, windows as model inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from wirewatch.core.analysis.entities import nlp as nlp_mod
from wirewatch.core.analysis.entities.tagger import DEFAULT_MODEL, LABELS, words_of
from wirewatch.core.errors import InputError
from wirewatch.tools.ner_eval import read_documents
from wirewatch.tools.train_ner import IGNORE, examples, gold_labels

TEXT = "Dr. Ada Lovelace wrote to the Royal Society in London.\nIt answered."
ENTITIES = [
    {"start": 4, "end": 16, "label": "PER"},
    {"start": 26, "end": 43, "label": "ORG"},  # "the Royal Society": "the" is in the span
    {"start": 47, "end": 53, "label": "LOC"},
    {"start": 0, "end": 3, "label": "MISC"},
]


@pytest.fixture(scope="module")
def nlp() -> Any:
    return nlp_mod.load()


def test_gold_spans_become_bio_labels_of_whole_words(nlp: Any) -> None:
    doc = nlp(TEXT)
    labels = sorted(nlp.get_pipe("ner").labels)
    words = words_of(doc, labels)
    gold = dict(zip(words.text, gold_labels(doc, words, ENTITIES), strict=True))
    assert gold["Dr."] == "B-MISC"
    assert (gold["Ada"], gold["Lovelace"]) == ("B-PER", "I-PER")
    assert (gold["the"], gold["Royal"], gold["Society"]) == ("B-ORG", "I-ORG", "I-ORG")
    assert gold["London"] == "B-LOC"
    assert gold["wrote"] == gold["answered"] == "O"


def test_a_span_inside_a_token_widens_to_it(nlp: Any) -> None:
    doc = nlp("Visit Londonderry today.")
    words = words_of(doc, [])
    labels = gold_labels(doc, words, [{"start": 6, "end": 12, "label": "LOC"}])
    assert labels == ["O", "B-LOC", "O", "O"]


def test_each_window_labels_only_the_first_piece_of_each_word(nlp: Any) -> None:
    import tokenizers

    tokenizer = tokenizers.Tokenizer.from_file(str(DEFAULT_MODEL / "tokenizer.json"))
    labels = sorted(nlp.get_pipe("ner").labels)
    rows = examples([{"id": "a", "text": TEXT, "entities": ENTITIES}], tokenizer, labels)
    assert len(rows) == 1  # two short sentences share one window
    row = rows[0]
    assert len(row["input_ids"]) == len(row["case_ids"]) == len(row["ent_ids"])
    assert row["labels"][0] == row["labels"][-1] == IGNORE  # [CLS], [SEP]
    named = [LABELS[k] for k in row["labels"] if k != IGNORE]
    words = words_of(nlp(TEXT), labels)
    assert len(named) == len(words.text)
    assert named.count("B-PER") == named.count("B-ORG") == named.count("B-LOC") == 1
    # "Lovelace" is more than one piece: its later pieces carry no label.
    assert row["labels"].count(IGNORE) > 2


def test_documents_without_entities_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    with pytest.raises(InputError, match="line 1"):
        read_documents(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(InputError, match="no annotated documents"):
        read_documents(empty)
