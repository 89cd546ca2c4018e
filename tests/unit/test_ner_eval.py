"""The entity scorer: exact spans and types, per type and overall."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wirewatch.tools.ner_eval import breakdown, run, score


def test_exact_span_and_type_only() -> None:
    gold = {("d", 0, 5, "PER"), ("d", 10, 15, "ORG"), ("d", 20, 25, "LOC")}
    found = {("d", 0, 5, "PER"), ("d", 10, 15, "LOC"), ("d", 21, 25, "LOC")}
    s = score(gold, found)
    assert s["PER"] == (1.0, 1.0, 1.0)
    assert s["ORG"] == (0.0, 0.0, 0.0)
    assert s["LOC"][0] == 0.0  # two found, neither exact
    assert s["ALL"][0] == pytest.approx(1 / 3)
    assert s["ALL"][1] == pytest.approx(1 / 3)


def test_breakdown_says_what_became_of_each_gold_name() -> None:
    gold = {("d", 0, 5, "PER"), ("d", 10, 15, "ORG"), ("d", 20, 25, "ORG"), ("d", 30, 35, "LOC")}
    found = {
        ("d", 0, 5, "PER"),  # right
        ("d", 10, 15, "LOC"),  # an organisation typed as a place
        ("d", 21, 25, "ORG"),  # a shorter span
        ("d", 40, 45, "PER"),  # nothing there
        ("e", 30, 35, "LOC"),  # another document
    }
    errors = breakdown(gold, found)
    assert errors["PER"] == {"right": 1}
    assert errors["ORG"] == {"as LOC": 1, "boundary": 1}
    assert errors["LOC"] == {"missed": 1}
    assert errors["spurious"] == {"PER": 1, "LOC": 1}


@pytest.mark.parametrize("method", ["spacy", "tagger"])
def test_the_command_scores_a_file_through_the_analysis(
    method: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "Angela Merkel met Emmanuel Macron in Paris on Monday."
    gold = [
        {"start": (at := text.index(name)), "end": at + len(name), "label": label}
        for name, label in (("Angela Merkel", "PER"), ("Emmanuel Macron", "PER"), ("Paris", "LOC"))
    ]
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps({"id": "a", "text": text, "entities": gold}) + "\n")
    monkeypatch.setenv("WIREWATCH_ENTITIES_METHOD", method)
    assert run(path) == 0
    out = capsys.readouterr().out
    assert re.search(r"^ALL\s+1\.000\s+1\.000\s+1\.000\s+3$", out, re.M), out
    assert "PER      right 2" in out
    assert "LOC      right 1" in out
    assert "spurious -" in out
