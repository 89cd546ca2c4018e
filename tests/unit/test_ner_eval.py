"""The entity scorer: exact spans and types, per type and overall."""

from __future__ import annotations

import pytest

from wirewatch.tools.ner_eval import score


def test_exact_span_and_type_only() -> None:
    gold = {("d", 0, 5, "PER"), ("d", 10, 15, "ORG"), ("d", 20, 25, "LOC")}
    found = {("d", 0, 5, "PER"), ("d", 10, 15, "LOC"), ("d", 21, 25, "LOC")}
    s = score(gold, found)
    assert s["PER"] == (1.0, 1.0, 1.0)
    assert s["ORG"] == (0.0, 0.0, 0.0)
    assert s["LOC"][0] == 0.0  # two found, neither exact
    assert s["ALL"][0] == pytest.approx(1 / 3)
    assert s["ALL"][1] == pytest.approx(1 / 3)
