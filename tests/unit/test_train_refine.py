"""The refine stage's training answers: gold and teacher mixed, and a teacher file that must fit."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import REPO, shared_data
from wirewatch.core.analysis.sentiment.targets import LABELS, read_newsmtsc
from wirewatch.tools.train_refine import answers

COMMITTED = REPO / "training" / "distill" / "newsmtsc-train-mpnet.jsonl.gz"


def _train(path: Path) -> Path:
    rows = [
        {
            "primary_gid": "a",
            "sentence_normalized": "Alice praised Bob.",
            "targets": [{"from": 0, "to": 5, "mention": "Alice", "polarity": 6.0}],
        },
        {
            "primary_gid": "b",
            "sentence_normalized": "Bob attacked Carol.",
            "targets": [{"from": 13, "to": 18, "mention": "Carol", "polarity": 2.0}],
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def _teacher(path: Path, spans: list[tuple[str, int, int]]) -> Path:
    probs = [[0.2, 0.5, 0.3], [0.6, 0.4, 0.0]]
    lines = [
        json.dumps({"text": t, "start": s, "end": e, "probs": p})
        for (t, s, e), p in zip(spans, probs, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_answers_mix_gold_and_teacher(tmp_path: Path) -> None:
    spans = [("Alice praised Bob.", 0, 5), ("Bob attacked Carol.", 13, 18)]
    got = answers(_train(tmp_path / "t.jsonl"), _teacher(tmp_path / "p.jsonl", spans), 0.5)
    assert [t.label for t, _ in got] == ["positive", "negative"]
    assert got[0][1] == pytest.approx([0.1, 0.25, 0.65])
    assert got[1][1] == pytest.approx([0.8, 0.2, 0.0])
    assert all(sum(p) == pytest.approx(1.0) for _, p in got)


def test_a_teacher_file_for_other_targets_is_refused(tmp_path: Path) -> None:
    spans = [("Alice praised Bob.", 14, 17), ("Bob attacked Carol.", 13, 18)]
    with pytest.raises(ValueError, match="must label the targets"):
        answers(_train(tmp_path / "t.jsonl"), _teacher(tmp_path / "p.jsonl", spans), 0.5)


def test_committed_teacher_probabilities_fit_newsmtsc_train() -> None:
    assert len(answers(shared_data("data/newsmtsc") / "train.jsonl", COMMITTED, 0.5)) == 8739
    gold = [t.label for t in read_newsmtsc(shared_data("data/newsmtsc") / "train.jsonl")]
    with gzip.open(COMMITTED, "rt") as lines:
        probs = [json.loads(line)["probs"] for line in lines]
    assert all(sum(p) == pytest.approx(1.0) for p in probs)
    # The teacher learnt from these targets, so it mostly agrees, but not always (soft).
    agree = sum(
        LABELS[max(range(3), key=p.__getitem__)] == g for p, g in zip(probs, gold, strict=True)
    )
    assert 0.8 < agree / len(gold) < 1.0
