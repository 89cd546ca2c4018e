"""The trained target-sentiment model: `wirewatch sentiment` line for line, agreement with
the enriched article, quality floor on the NewsMTSC dev splits, bad input."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import REPO, shared_data
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.analysis.sentiment.model import TargetModel, shared
from wirewatch.core.analysis.sentiment.targets import LABELS, Prediction, Target, mark
from wirewatch.core.articles import validate
from wirewatch.tools.sentiment import annotate, evaluate


@pytest.fixture(scope="module")
def model() -> TargetModel:
    return shared()


def test_marking_wraps_the_target_and_pairs_the_mention() -> None:
    assert mark(Target("Alice met Bob.", 10, 13)) == ("Alice met [ Bob ].", "Bob")


def _pair(model: TargetModel, text: str) -> tuple[Prediction, Prediction]:
    turkey, haftar = model.predict(
        [Target(text, 0, 6), Target(text, text.index("Haftar"), text.index("Haftar") + 6)]
    )
    return turkey, haftar


def test_target_dependent_scores(model: TargetModel) -> None:
    text = "Turkey has helped us a lot, while Haftar committed crimes against all Libyans."
    turkey, haftar = _pair(model, text)
    assert (turkey.label, haftar.label) == ("positive", "negative")  # one sentence, two targets
    # A known weakness (README): a harsh clause pulls a milder target down with it; the
    # target still moves the score well apart.
    turkey, haftar = _pair(
        model, "Turkey helped us, but Haftar committed crimes against all Libyans."
    )
    assert haftar.label == "negative"
    assert turkey.score - haftar.score > 0.3
    for p in (turkey, haftar):
        assert -1 <= p.score <= 1
        assert 0 < p.confidence <= 1
        assert p.label in LABELS


def test_scores_do_not_depend_on_neighbours(model: TargetModel) -> None:
    target = Target("The minister praised the police for their work.", 4, 12)
    alone = model.predict([target])
    crowded = model.predict([Target("A much longer sentence " * 10, 0, 1), target])
    assert alone[0] == crowded[1]


def test_threads_sharing_an_articles_targets_change_no_score(model: TargetModel) -> None:
    texts = [
        "The minister praised the police for their work.",
        "Rebels shelled the town and killed the mayor.",
        "The court cleared the company of any wrongdoing.",
        "Talks between the two sides collapsed on Monday.",
    ]
    targets = [Target(t, 4, 12) for t in texts * 5]
    split = shared(parallel=2)
    assert split is not model
    assert split.parallel == 2
    assert split.predict(targets) == model.predict(targets)


def test_annotate_answers_line_for_line_and_flags_bad_lines(model: TargetModel) -> None:
    lines = [
        b'{"text": "Rebels attacked the army of Sudan.", "targets": [{"start": 0, "end": 6}]}',
        b'{"text": "short", "targets": [{"start": 3, "end": 99}]}',
        b"not json",
        b'{"text": "Nothing to score here.", "targets": []}',
    ]
    out = io.BytesIO()
    errors = annotate(lines, out, model.predict)
    answers = [orjson.loads(x) for x in out.getvalue().splitlines()]
    assert errors == 2
    assert len(answers) == 4
    [rebels] = answers[0]["targets"]
    assert (rebels["start"], rebels["end"]) == (0, 6)
    assert rebels["label"] in LABELS
    assert "targets[0]" in answers[1]["error"]
    assert answers[2]["error"].startswith("line 3")
    assert answers[3] == {"targets": []}


def test_cli_reads_stdin() -> None:
    line = b'{"text": "The UN welcomed the peace deal.", "targets": [{"start": 4, "end": 6}]}\n'
    done = subprocess.run(
        [sys.executable, "-m", "wirewatch.cli", "sentiment"], input=line, capture_output=True
    )
    assert done.returncode == 0, done.stderr
    [answer] = [orjson.loads(x) for x in done.stdout.splitlines()]
    assert answer["targets"][0]["label"] == "positive"


def test_enriched_mentions_agree_with_the_model(
    analyzer: Analyzer, model: TargetModel, sample_article: dict[str, Any]
) -> None:
    [result] = analyzer.analyze(validate([sample_article]))
    assert result.enriched.models.sentiment == model.name
    seen: set[tuple[str, int]] = set()
    for m in result.enriched.entities:
        sentence = m.sentiment.evidence
        if (m.actor_id, sentence.start) in seen:
            continue  # later mentions in the sentence share the first one's score
        seen.add((m.actor_id, sentence.start))
        target = Target(sentence.text, m.start - sentence.start, m.end - sentence.start)
        [p] = model.predict([target])
        assert (p.score, p.label) == (m.sentiment.score, m.sentiment.label)


@pytest.mark.parametrize("split", ["mt-dev", "rw-dev"])
def test_quality_floor_on_newsmtsc_dev(model: TargetModel, split: str) -> None:
    report = evaluate(shared_data("data/newsmtsc") / f"{split}.jsonl", model.predict)
    # A regression guard well above the lexicon baseline (0.53 / 0.51); README has the figures.
    assert report["macro_f1"] > 0.7, report


def test_model_files_are_small_enough_to_commit() -> None:
    folder = REPO / "services" / "data" / "models" / "sentiment"
    assert sum(p.stat().st_size for p in folder.iterdir()) < 40 * 2**20
    assert (folder / "model.json").is_file()
    info = orjson.loads((folder / "model.json").read_bytes())
    assert info["labels"] == list(LABELS)
    assert Path(folder / "model.onnx").stat().st_size > 1_000_000
