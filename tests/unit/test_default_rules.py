"""The bundled desk rules on the false alerts issue 19 reported, and on plain events.

`data/rule-probes.jsonl` holds short articles written for this test (not news, no
license needed) in the shape of the headlines the issue lists as false alerts of the old
rules: the trap word in its everyday sense ("an attack on its market share", "shell
companies", "a coup for the race", a curfew as a bail condition, a club's sanctions,
spam blacklists, a film's or a novel's killings). None may raise a desk alert. Four
plain reports of events, in words other than the rules' single trigger terms, must raise
exactly the desks they report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import validate

PROBES = [
    orjson.loads(line) for line in (Path(__file__).parent / "data" / "rule-probes.jsonl").open("rb")
]
DESKS = {
    "armed-violence",
    "terrorism",
    "terrorism-threat",
    "casualties",
    "civil-unrest",
    "sanctions",
}


@pytest.fixture(scope="module")
def fired(analyzer: Analyzer) -> dict[str, list[str]]:
    articles = validate([{k: p[k] for k in ("id", "title", "text")} for p in PROBES])
    return {
        result.enriched.id: sorted(a.rule_id for a in result.alerts if a.rule_id in DESKS)
        for result in analyzer.analyze(articles)
    }


@pytest.mark.parametrize("probe", PROBES, ids=[p["id"] for p in PROBES])
def test_desk_alerts_are_the_expected_ones(
    fired: dict[str, list[str]], probe: dict[str, Any]
) -> None:
    assert fired[probe["id"]] == sorted(probe["expected_rules"]), probe["title"]


def test_the_probes_cover_traps_and_events() -> None:
    traps = [p for p in PROBES if not p["expected_rules"]]
    events = [p for p in PROBES if p["expected_rules"]]
    assert len(traps) >= 10
    assert {r for p in events for r in p["expected_rules"]} >= DESKS - {"terrorism-threat"}
