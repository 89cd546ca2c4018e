"""Alert rules: YAML validation with clear errors, lemma and phrase matching."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.analysis import rules

RULES = """
rules:
  - id: violence
    name: Violence
    severity: high
    terms: [rocket, mercenary, air strike]
  - id: pair
    name: Needs two terms
    severity: low
    terms: [truce, ceasefire]
    min_matches: 2
"""


@pytest.fixture(scope="module")
def nlp(analyzer: Any) -> Any:
    return analyzer.nlp


@pytest.fixture(scope="module")
def ruleset(nlp: Any) -> rules.RuleSet:
    return rules.parse(RULES, nlp)


def test_matches_on_lemma_with_offsets(ruleset: rules.RuleSet, nlp: Any) -> None:
    text = "Dozens of rockets fell. Mercenaries were seen."
    found = ruleset.match(nlp(text), "text")
    hits = [(m.term, m.text, text[m.start : m.end]) for m in found["violence"]]
    assert hits == [("rocket", "rockets", "rockets"), ("mercenary", "Mercenaries", "Mercenaries")]


def test_phrase_matches_only_in_sequence(ruleset: rules.RuleSet, nlp: Any) -> None:
    assert ruleset.match(nlp("An air strike hit the base."), "text")["violence"][0].text == (
        "air strike"
    )
    assert "violence" not in ruleset.match(nlp("Strike the air."), "text")


def test_min_matches_counts_distinct_terms(ruleset: rules.RuleSet, nlp: Any) -> None:
    one = ruleset.match(nlp("The truce held. The truce held again."), "text")
    both = ruleset.match(nlp("The truce became a ceasefire."), "text")
    assert [r.id for r, _ in ruleset.fired(one)] == []
    assert [r.id for r, _ in ruleset.fired(both)] == ["pair"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("rules: [", "not valid YAML"),
        ("rules: []", "rules"),
        ("rules:\n  - {id: a, name: A, severity: huge, terms: [x]}", "severity"),
        ("rules:\n  - {id: a, name: A, severity: low, terms: []}", "terms"),
        ("rules:\n  - {id: a, name: A, severity: low, terms: [x], colour: red}", "colour"),
        (
            "rules:\n  - {id: a, name: A, severity: low, terms: [x]}\n"
            "  - {id: a, name: B, severity: low, terms: [y]}",
            "duplicate rule ids",
        ),
    ],
)
def test_bad_rule_files_are_rejected_with_the_reason(nlp: Any, source: str, message: str) -> None:
    with pytest.raises(rules.RuleError, match=message):
        rules.parse(source, nlp)


def test_bundled_rules_load(nlp: Any) -> None:
    ruleset = rules.load(rules.DEFAULT_RULES, nlp)
    assert {"armed-violence", "terrorism"} <= {r.id for r in ruleset.rules}
    assert len(ruleset.version) == 12
