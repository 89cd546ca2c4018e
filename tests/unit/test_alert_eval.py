"""`wirewatch eval alerts`: desks by id or tag, counts per desk, and why each alert fired."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest

from wirewatch.core.analysis import rules
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.tools.alert_eval import (
    DESKS,
    Judged,
    details,
    judge,
    micro,
    read_labelled,
    run,
    score,
)

RULES = """
rules:
  - id: armed-violence
    name: V
    severity: high
    match: {near: [attack, [forces, troops]], sentence: true}
  - id: bomb-watch
    name: B
    severity: high
    tags: [terrorism, misc]
    terms: ["=bombing"]
"""


def _rows(sample: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {**sample, "id": "libya", "desks": ["armed-violence"], "split": "tune"},
        {"id": "bank", "title": "Bank profits rise", "split": "test", "desks": [],
         "text": "The bank said profits rose by a tenth. Its forces of habit were praised."},
        {"id": "cafe", "title": "Bombing in a cafe", "split": "test", "desks": ["terrorism"],
         "text": "A bombing in a cafe in the capital was reported on Monday by the police."},
        {"id": "missed", "title": "Protest", "split": "test", "desks": ["civil-unrest"],
         "text": "Thousands marched through the capital on Sunday."},
    ]  # fmt: skip


def test_desks_by_id_or_tag_counted_per_article(
    analyzer: Analyzer, sample_article: dict[str, Any]
) -> None:
    ruleset = rules.parse(RULES, analyzer.nlp)
    local = Analyzer(analyzer.nlp, ruleset, method=analyzer.sentiment, table=analyzer.aliases)
    judged = judge(local, _rows(sample_article))
    scores = score(judged, ruleset)
    assert scores["armed-violence"].tp == 1
    assert (scores["terrorism"].tp, scores["terrorism"].rules) == (1, {"bomb-watch"})
    assert (scores["civil-unrest"].fn, scores["civil-unrest"].recall) == (1, 0.0)
    assert scores["sanctions"].precision is None  # nothing fired, nothing to divide
    total = micro(scores)
    assert (total.tp, total.fp, total.fn) == (2, 0, 1)
    lines = list(details(judged, "all"))
    verdicts = {(v, desk, item.id) for v, desk, item, _ in lines}
    assert verdicts == {
        ("TP", "armed-violence", "libya"),
        ("TP", "terrorism", "cafe"),
        ("FN", "civil-unrest", "missed"),
    }
    why = next(reason for v, desk, _, reason in lines if desk == "terrorism")
    assert why.startswith("bomb-watch [high]: ")


def test_false_positive_counted() -> None:
    fired = Judged("x", "t", frozenset(), {"sanctions": []})
    ruleset = rules.RuleSet([], "v")
    assert (score([fired], ruleset)["sanctions"].fp, micro(score([fired], ruleset)).fp) == (1, 1)


def test_the_command_reads_gzip_filters_the_split_and_prints_json(
    tmp_path: Path, sample_article: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(RULES)
    data = tmp_path / "labels.jsonl.gz"
    with gzip.open(data, "wb") as handle:
        handle.write(b"".join(orjson.dumps(r) + b"\n" for r in _rows(sample_article)))
    assert [r["id"] for r in read_labelled(data, "test")] == ["bank", "cafe", "missed"]
    assert run(rules_file, data, "test", "none", "json") == 0
    out = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    by_desk = {row["desk"]: row for row in out}
    assert by_desk["terrorism"]["tp"] == 1
    assert by_desk["armed-violence"]["fp"] == 0  # "forces of habit" has no attack
    assert by_desk["all"]["articles"] == 3
    assert run(rules_file, data, "nope", "none", "table") == 2
    assert "no labelled articles" in (err := capsys.readouterr().err)
    assert "its splits: test, tune" in err  # names what the file has instead


def test_the_committed_labelled_sets_are_disjoint_and_name_only_the_desks() -> None:
    """Round three measures articles no earlier round drew; a label outside the five desks
    would be counted nowhere."""
    folder = Path(__file__).resolve().parents[2] / "training" / "alerts"
    first = list(read_labelled(folder / "wikinews-desks.jsonl.gz", "all"))
    third = list(read_labelled(folder / "wikinews-round3.jsonl.gz", "all"))
    assert (len(first), len(third)) == (606, 550)
    assert not {r["id"] for r in first} & {r["id"] for r in third}
    assert all(set(r["desks"]) <= set(DESKS) for r in first + third)
    strata = [r["stratum"] for r in third]
    assert (strata.count("alerted-3"), strata.count("quiet-3")) == (400, 150)
    second = [orjson.loads(line) for line in (folder / "second-reading.jsonl").open("rb")]
    assert len({r["id"] for r in second}) == 100
    assert {r["id"] for r in second} <= {r["id"] for r in first}
    assert all(set(r["desks"]) <= set(DESKS) for r in second)
