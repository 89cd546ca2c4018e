"""Across articles: one alert per story and rule, sentiment shifts, rule reloads."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import sample
from wirewatch.core.analysis import rules
from wirewatch.core.analysis.alerting import Alerting, StoryTracker
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import validate
from wirewatch.core.models import Alert, utcnow
from wirewatch.enrich.reload import RulesWatcher

WIRE = (
    "Rebel forces fired rockets at the airport of Tripoli on Tuesday, officials said. "
    "The Government of National Accord condemned the attack and blamed Khalifa Haftar. "
    "Haftar's spokesman denied any involvement."
)
EDITS = [
    WIRE,
    WIRE.replace("on Tuesday", "late on Tuesday"),
    WIRE.replace("officials said", "officials told reporters") + " More follows.",
]


def _run(analyzer: Analyzer, ruleset: rules.RuleSet, texts: list[str]) -> list[list[Alert]]:
    alerting = Alerting()
    analyzer.set_rules(ruleset)
    out = []
    articles = validate([{"text": t, "title": f"copy {i}"} for i, t in enumerate(texts)])
    for result in analyzer.analyze(articles):
        _, published = alerting.process(result, ruleset, analyzer.models, utcnow())
        out.append(published)
    return out


@pytest.fixture
def restore_rules(analyzer: Analyzer) -> Any:
    original = analyzer.rules
    yield
    analyzer.set_rules(original)


@pytest.mark.usefixtures("restore_rules")
def test_three_light_edits_give_one_alert_with_two_related(analyzer: Analyzer) -> None:
    ruleset = rules.parse(
        "rules:\n  - {id: v, name: V, severity: high, terms: [rocket, attack], cooldown: 6h}",
        analyzer.nlp,
    )
    first, second, third = _run(analyzer, ruleset, EDITS)
    assert [a.revision for a in first + second + third] == [0, 1, 2]
    assert len({a.id for a in first + second + third}) == 1
    final = third[0]
    assert final.related_count == 2
    assert [r.title for r in final.related] == ["copy 1", "copy 2"]


@pytest.mark.usefixtures("restore_rules")
def test_reprocessing_an_article_adds_nothing(analyzer: Analyzer) -> None:
    ruleset = rules.parse(
        "rules:\n  - {id: v, name: V, severity: high, terms: [rocket]}", analyzer.nlp
    )
    analyzer.set_rules(ruleset)
    alerting = Alerting()
    [article] = validate([{"text": WIRE}])
    result = analyzer.analyze([article])[0]
    once = alerting.process(result, ruleset, analyzer.models, utcnow())[1]
    twice = alerting.process(result, ruleset, analyzer.models, utcnow())[1]
    assert once == twice


@pytest.mark.usefixtures("restore_rules")
def test_no_cooldown_means_every_copy_alerts(analyzer: Analyzer) -> None:
    ruleset = rules.parse(
        "rules:\n  - {id: v, name: V, severity: high, terms: [rocket], cooldown: 0}", analyzer.nlp
    )
    # Published at different times, so even a zero cooldown separates them.
    alerting = Alerting()
    analyzer.set_rules(ruleset)
    now = utcnow()
    items = [
        {"text": t, "published_at": (now + timedelta(hours=i)).isoformat()}
        for i, t in enumerate(EDITS)
    ]
    ids = set()
    for result in analyzer.analyze(validate(items)):
        ids |= {a.id for a in alerting.process(result, ruleset, analyzer.models, now)[1]}
    assert len(ids) == 3


SHIFT = """rules:
  - id: acme-turns
    name: Acme sentiment shift
    severity: medium
    kind: sentiment_shift
    actor: {name: Acme Corp}
    baseline: 4
    recent: 3
    threshold: 0.5
"""
GOOD = "Acme Corp delivered wonderful results and its customers are happy."
BAD = "Acme Corp was accused of horrible fraud and terrible crimes."


@pytest.mark.usefixtures("restore_rules")
def test_sentiment_shift_fires_when_the_tone_turns(analyzer: Analyzer) -> None:
    ruleset = rules.parse(SHIFT, analyzer.nlp)
    published = _run(analyzer, ruleset, [GOOD] * 4 + [BAD] * 3)
    fired = [a for batch in published for a in batch]
    assert len(fired) == 1
    shift = fired[0].shift
    assert shift is not None
    assert fired[0].kind == "sentiment_shift"
    assert shift.actor_name == "Acme Corp"
    assert shift.baseline_mean > 0 > shift.recent_mean
    assert shift.delta <= -0.5
    assert (shift.baseline_articles, shift.recent_articles) == (4, 3)
    assert published[-1] == fired  # on the article that completed the turn


@pytest.mark.usefixtures("restore_rules")
def test_sentiment_shift_stays_silent_on_a_steady_series(analyzer: Analyzer) -> None:
    ruleset = rules.parse(SHIFT, analyzer.nlp)
    assert all(batch == [] for batch in _run(analyzer, ruleset, [GOOD] * 10))
    assert all(batch == [] for batch in _run(analyzer, ruleset, [BAD] * 10))


def test_rules_watcher_reloads_good_files_and_keeps_going_on_broken_ones(
    analyzer: Analyzer, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {id: a, name: A, severity: low, terms: [rocket]}\n")
    watcher = RulesWatcher(path, analyzer.nlp, interval_s=0)
    assert watcher.check() is None  # unchanged
    errors = sample("wirewatch_enrich_rule_reloads_total", outcome="error")
    path.write_text("rules:\n  - {id: a, name: A, severity: loud, terms: [rocket]}\n")
    assert watcher.check() is None
    assert sample("wirewatch_enrich_rule_reloads_total", outcome="error") == errors + 1
    path.write_text("rules:\n  - {id: b, name: B, severity: low, terms: [shelling]}\n")
    reloaded = watcher.check()
    assert reloaded is not None
    assert list(reloaded.by_id) == ["b"]


def test_prune_forgets_stories_older_than_the_horizon_of_stream_time() -> None:
    """One story a minute for 1,000 minutes; a one-hour horizon keeps the last hour's."""
    tracker = StoryTracker()
    start = utcnow() - timedelta(days=2)
    for minute in range(1001):
        seen = start + timedelta(minutes=minute)
        alert = Alert(
            id=f"alert-{minute}",
            article_id=f"article-{minute}",
            rule_id="armed-violence",
            rule_name="Armed violence",
            severity="high",
            created_at=seen,
            title=None,
            url=None,
            source=None,
            published_at=seen,
            matches=[],
            actors=[],
            rules_version="v",
            story_id=f"story-{minute}",
        )
        tracker.remember(alert, seen)
    assert len(tracker) == 1001
    tracker.prune(3600)
    assert len(tracker) == 61  # minutes 940..1000: within an hour of the newest
