"""Alerting across articles: one alert per story and rule, and sentiment-shift alerts."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import fmean

from wirewatch.core.analysis.pipeline import Analysis, alert_header
from wirewatch.core.analysis.rules import Rule, RuleSet
from wirewatch.core.ids import alert_id
from wirewatch.core.models import (
    Alert,
    AlertActor,
    AlertRef,
    EnrichedArticle,
    ModelInfo,
    RelatedArticle,
    SentimentShift,
)

MAX_RELATED = 100  # listed on the alert; related_count keeps counting past it


def event_time(article: EnrichedArticle) -> datetime:
    """When the story happened, as far as we know: publication, else reception."""
    return article.published_at or article.received_at


def _primary_actor(alert: Alert) -> str | None:
    """The actor a story is about: the first one the alert lists, groups aside."""
    return next((a.id for a in alert.actors if a.type != "group"), None)


@dataclass
class _Story:
    alert: Alert
    last_seen: datetime


class StoryTracker:
    """Later copies of a story (same story id, or same rule and main actor within the
    rule's cooldown) join the first alert as related articles instead of alerting."""

    def __init__(self) -> None:
        self._stories: dict[tuple[str, ...], _Story] = {}
        self.latest: datetime | None = None  # stream time: the newest event seen

    @staticmethod
    def keys(alert: Alert) -> list[tuple[str, ...]]:
        keys: list[tuple[str, ...]] = []
        if alert.story_id:
            keys.append(("story", alert.rule_id, alert.story_id))
        actor = _primary_actor(alert)
        return keys + ([("actor", alert.rule_id, actor)] if actor else [])

    def remember(self, alert: Alert, seen: datetime) -> None:
        """Record an alert (ours, or read back from the topic); the highest revision wins."""
        if self.latest is None or seen > self.latest:
            self.latest = seen  # stream time moves on: prune() measures its horizon from here
        for key in self.keys(alert):
            story = self._stories.get(key)
            if (
                story is None
                or story.alert.id != alert.id
                or story.alert.revision <= alert.revision
            ):
                latest = seen if story is None else max(seen, story.last_seen)
                self._stories[key] = _Story(alert, latest)

    def observe(
        self, alert: Alert, article: EnrichedArticle, cooldown_s: float, now: datetime
    ) -> Alert:
        """The alert to publish for this article: its own, or its story's first, updated."""
        seen = event_time(article)
        story = self._find(alert, seen, cooldown_s)
        if story is None:
            self.remember(alert, seen)
            return alert
        first = story.alert
        if first.id == alert.id or any(r.article_id == article.id for r in first.related):
            return first  # reprocessing an article already counted: publish nothing new
        related = RelatedArticle(
            article_id=article.id,
            title=article.title,
            url=article.url,
            source=article.source,
            published_at=article.published_at,
            received_at=article.received_at,
        )
        updated = first.model_copy(
            update={
                "revision": first.revision + 1,
                "updated_at": now,
                "related": [*first.related, related][:MAX_RELATED],
                "related_count": first.related_count + 1,
            }
        )
        self.remember(updated, seen)
        return updated

    def _find(self, alert: Alert, seen: datetime, cooldown_s: float) -> _Story | None:
        for key in self.keys(alert):
            story = self._stories.get(key)
            if story is not None and abs((seen - story.last_seen).total_seconds()) <= cooldown_s:
                return story
        return None

    def prune(self, horizon_s: float) -> None:
        """Forget stories not seen within `horizon_s` of stream time (bounded memory).

        Stream time, not the clock: a replay of old articles still groups its stories.
        """
        if self.latest is not None:
            cutoff = self.latest - timedelta(seconds=horizon_s)
            self._stories = {k: s for k, s in self._stories.items() if s.last_seen >= cutoff}

    def __len__(self) -> int:
        return len(self._stories)


class ShiftTracker:
    """Per rule and actor, the article-level sentiment series; fires when the mean of
    the recent window moves past the threshold from the baseline window before it."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str], deque[float]] = {}
        self._quiet: dict[tuple[str, str], int] = {}

    def observe(
        self, rule: Rule, article: EnrichedArticle, version: str, models: ModelInfo, now: datetime
    ) -> list[Alert]:
        spec = rule.shift
        assert spec is not None
        out = []
        for actor in article.actors:
            if not spec.selector.accepts(actor):
                continue
            key = (rule.id, actor.id)
            series = self._series.setdefault(key, deque(maxlen=spec.baseline + spec.recent))
            series.append(actor.sentiment.score)
            if self._quiet.get(key, 0) > 0:
                self._quiet[key] -= 1
                continue
            if len(series) < spec.baseline + spec.recent:
                continue
            values = list(series)
            base, recent = fmean(values[: spec.baseline]), fmean(values[spec.baseline :])
            delta = recent - base
            fires = abs(delta) >= spec.threshold and (
                spec.direction == "either" or (delta < 0) == (spec.direction == "down")
            )
            if fires:
                self._quiet[key] = spec.recent  # a new shift needs a fresh recent window
                shift = SentimentShift(
                    actor_id=actor.id,
                    actor_name=actor.name,
                    baseline_mean=round(base, 4),
                    recent_mean=round(recent, 4),
                    delta=round(delta, 4),
                    baseline_articles=spec.baseline,
                    recent_articles=spec.recent,
                )
                out.append(_shift_alert(rule, article, actor.id, shift, version, models, now))
        return out


def _shift_alert(
    rule: Rule,
    article: EnrichedArticle,
    actor_id: str,
    shift: SentimentShift,
    version: str,
    models: ModelInfo,
    now: datetime,
) -> Alert:
    actor = next(a for a in article.actors if a.id == actor_id)
    clause = (
        f"mean sentiment toward {shift.actor_name} moved {shift.delta:+.2f}, from "
        f"{shift.baseline_mean:+.2f} over {shift.baseline_articles} articles to "
        f"{shift.recent_mean:+.2f} over the last {shift.recent_articles}"
    )
    return Alert(
        id=alert_id(article.id, f"{rule.id}/{actor_id}"),
        **alert_header(article, rule, now),
        matches=[],
        actors=[AlertActor.of(actor)],
        rules_version=version,
        kind="sentiment_shift",
        clauses=[clause],
        models=models,
        shift=shift,
    )


class Alerting:
    """Turns each article's candidate alerts into what is published, in stream order."""

    def __init__(self) -> None:
        self.stories = StoryTracker()
        self.shifts = ShiftTracker()

    def process(
        self, analysis: Analysis, rules: RuleSet, models: ModelInfo, now: datetime
    ) -> tuple[EnrichedArticle, list[Alert]]:
        article = analysis.enriched
        published = []
        for alert in analysis.alerts:
            rule = rules.by_id.get(alert.rule_id)
            cooldown = rule.cooldown_s if rule is not None else 0.0
            published.append(self.stories.observe(alert, article, cooldown, now))
        for rule in rules.shift_rules:
            published.extend(self.shifts.observe(rule, article, rules.version, models, now))
        refs = [AlertRef(id=a.id, rule_id=a.rule_id, severity=a.severity) for a in published]
        return article.model_copy(update={"alerts": refs}), published
