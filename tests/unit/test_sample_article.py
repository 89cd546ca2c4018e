"""The reference article: actors, types, sentiment signs and alert terms (acceptance 2 and 3)."""

from __future__ import annotations

from typing import Any

import pytest

from wirewatch.core.analysis.pipeline import Analysis, Analyzer
from wirewatch.core.articles import validate
from wirewatch.core.models import Actor


@pytest.fixture(scope="module")
def result(analyzer: Analyzer, sample_article: dict[str, Any]) -> Analysis:
    return analyzer.analyze(validate([sample_article]))[0]


def _actor(result: Analysis, name: str) -> Actor:
    by_name = {a.name: a for a in result.enriched.actors}
    assert name in by_name, sorted(by_name)
    return by_name[name]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Fayez Al-Sarraj", "person"),
        ("Khalifa Haftar", "person"),
        ("Turkey", "place"),
        ("Government of National Accord", "organisation"),
        ("Cham Wings Airlines", "organisation"),
    ],
)
def test_actor_types(result: Analysis, name: str, kind: str) -> None:
    assert _actor(result, name).type == kind


def test_bare_haftar_is_merged_into_khalifa_haftar(result: Analysis) -> None:
    haftar = _actor(result, "Khalifa Haftar")
    assert "Haftar" in haftar.surface_forms
    assert haftar.mention_count >= 7
    assert "Haftar" not in {a.name for a in result.enriched.actors}


def test_actors_are_named_as_the_alias_table_knows_them(result: Analysis) -> None:
    gna = _actor(result, "Government of National Accord")
    assert (gna.id, gna.match, gna.surface_forms) == (
        "government-of-national-accord",
        "alias",
        ["GNA"],
    )
    turkey = _actor(result, "Turkey")
    assert (turkey.match, turkey.wikidata) == ("alias", "Q43")
    italian = _actor(result, "Italian")
    assert (italian.match, italian.wikidata) == ("article", None)
    sarraj = _actor(result, "Fayez Al-Sarraj")
    text = result.enriched.text
    assert [text[m.start : m.end] for m in sarraj.mentions][:2] == ["Fayez Al-Sarraj", "Al-Sarraj"]
    assert len(sarraj.mentions) == sarraj.mention_count


def test_salience_ranks_the_protagonists_first(result: Analysis) -> None:
    ranked = sorted(result.enriched.actors, key=lambda a: -a.salience)
    assert {a.name for a in ranked[:2]} == {"Khalifa Haftar", "Fayez Al-Sarraj"}
    assert all(0 <= a.salience <= 1 for a in ranked)
    assert _actor(result, "Cham Wings Airlines").salience < 0.2


def test_mentions_point_at_their_text_and_actor(result: Analysis) -> None:
    text = result.enriched.text
    actor_ids = {a.id for a in result.enriched.actors}
    for m in result.enriched.entities:
        assert text[m.start : m.end] == m.text
        assert m.actor_id in actor_ids
        assert text[m.sentiment.evidence.start : m.sentiment.evidence.end] == (
            m.sentiment.evidence.text
        )


def test_sentiment_toward_haftar_negative_and_turkey_positive(result: Analysis) -> None:
    haftar, turkey = _actor(result, "Khalifa Haftar"), _actor(result, "Turkey")
    assert haftar.sentiment.score < 0
    assert haftar.sentiment.label == "negative"
    assert turkey.sentiment.score > 0
    assert turkey.sentiment.label == "positive"
    assert any("positively" in e.text for e in turkey.sentiment.evidence)
    assert all(e.score < 0 for e in haftar.sentiment.evidence[:1])


def test_violence_alert_with_expected_terms(result: Analysis) -> None:
    # The watched actors named with violence in the lead: Haftar "saw the epidemic as an
    # opportunity to attack us". The generic armed-violence desk stays silent: the lead is an
    # interview about negotiations (relevance model), not a report of an attack.
    [violence] = [a for a in result.alerts if a.rule_id == "libya-actor-violence"]
    assert "armed-violence" not in {a.rule_id for a in result.alerts}
    assert {m.text for m in violence.matches} >= {"attack", "Khalifa Haftar"}
    for m in violence.matches:
        assert result.enriched.text[m.start : m.end] == m.text
        assert m.sentence is not None
        assert m.text in m.sentence.text
    assert any("in a sentence with the matched terms" in c for c in violence.clauses)
    assert violence.models == result.enriched.models
    assert violence.severity == "critical"
    assert violence.article_id == result.enriched.id
    assert {r.id for r in result.enriched.alerts} == {a.id for a in result.alerts}


def test_analysis_is_deterministic(analyzer: Analyzer, sample_article: dict[str, Any]) -> None:
    [article] = validate([sample_article])
    first, second = analyzer.analyze([article]), analyzer.analyze([article])
    assert first[0].enriched.model_dump(exclude={"enriched_at"}) == second[0].enriched.model_dump(
        exclude={"enriched_at"}
    )
    assert [a.id for a in first[0].alerts] == [a.id for a in second[0].alerts]
