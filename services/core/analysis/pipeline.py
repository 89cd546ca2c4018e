"""The analysis pipeline: raw article in, enriched article and alerts out."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from services.core.analysis import actors as actor_mod
from services.core.analysis import nlp as nlp_mod
from services.core.analysis import rules as rules_mod
from services.core.analysis import sentiment
from services.core.analysis.rules.nodes import Outcome
from services.core.ids import alert_id
from services.core.models import (
    Actor,
    ActorSentiment,
    Alert,
    AlertActor,
    AlertRef,
    EnrichedArticle,
    Evidence,
    Mention,
    MentionSentiment,
    ModelInfo,
    RawArticle,
    Span,
    utcnow,
)

log = logging.getLogger(__name__)
MAX_ALERT_ACTORS = 20


@dataclass(frozen=True)
class Analysis:
    """What one raw article yields: its enriched form and its alerts."""

    enriched: EnrichedArticle
    alerts: list[Alert]
    doc: rules_mod.MatchDoc


class Analyzer:
    """Runs spaCy, actor resolution, sentiment and rules over batches of articles."""

    def __init__(self, nlp: Any, rules: rules_mod.RuleSet, batch_size: int = 32):
        self.nlp = nlp
        self.batch_size = batch_size
        self.set_rules(rules)

    def set_rules(self, rules: rules_mod.RuleSet) -> None:
        """Swap the rule set (between batches); the model info follows its version."""
        self.rules = rules
        self.models = ModelInfo(
            spacy=nlp_mod.model_name(self.nlp), sentiment=sentiment.METHOD, rules=rules.version
        )

    @classmethod
    def load(cls, model: str = nlp_mod.DEFAULT_MODEL, rules_path: Path | None = None) -> Analyzer:
        nlp = nlp_mod.load(model)
        return cls(nlp, rules_mod.load(rules_path or rules_mod.DEFAULT_RULES, nlp))

    def analyze(
        self,
        articles: Sequence[RawArticle],
        now: datetime | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Analysis]:
        """Analyse a batch; spaCy runs once over all texts and once over all titles.

        `timings`, when given, receives the seconds spent per stage (nlp, actors, sentiment,
        rules).
        """
        now = now or utcnow()
        spent = timings if timings is not None else {}
        started = time.perf_counter()
        docs = list(self.nlp.pipe((a.text for a in articles), batch_size=self.batch_size))
        # Titles only feed the rules, so the parser and NER can be skipped for them.
        titles = list(
            self.nlp.pipe(
                (a.title or "" for a in articles),
                batch_size=self.batch_size,
                disable=["parser", "ner"],
            )
        )
        spent["nlp"] = spent.get("nlp", 0.0) + time.perf_counter() - started
        return [
            self._one(a, d, t, now, spent) for a, d, t in zip(articles, docs, titles, strict=True)
        ]

    def _one(
        self, article: RawArticle, doc: Any, title: Any, now: datetime, spent: dict[str, float]
    ) -> Analysis:
        started = time.perf_counter()
        resolved = actor_mod.resolve(actor_mod.mentions_from(doc))
        scoring = time.perf_counter()
        actors, mentions = _scored(doc, resolved)
        middle = time.perf_counter()
        match_doc = rules_mod.MatchDoc.build(
            title, doc, actors, mentions, article.source, article.language
        )
        alerts = [
            self._alert(article, rule, outcome, actors, now)
            for rule, outcome in self.rules.fired(match_doc)
        ]
        done = time.perf_counter()
        spent["actors"] = spent.get("actors", 0.0) + scoring - started
        spent["sentiment"] = spent.get("sentiment", 0.0) + middle - scoring
        spent["rules"] = spent.get("rules", 0.0) + done - middle
        enriched = EnrichedArticle(
            id=article.id,
            title=article.title,
            text=article.text,
            url=article.url,
            source=article.source,
            published_at=article.published_at,
            received_at=article.received_at,
            enriched_at=now,
            entities=mentions,
            actors=actors,
            alerts=[AlertRef(id=a.id, rule_id=a.rule_id, severity=a.severity) for a in alerts],
            models=self.models,
            language=article.language,
            story_id=article.story_id,
        )
        return Analysis(enriched, alerts, match_doc)

    def _alert(
        self,
        article: RawArticle,
        rule: rules_mod.Rule,
        outcome: Outcome,
        actors: list[Actor],
        now: datetime,
    ) -> Alert:
        # Actors the rule's conditions named come first, then the most mentioned.
        named = set(outcome.actors)
        ranked = sorted(actors, key=lambda a: (a.id not in named, -a.mention_count))
        matches = {(h.match.field, h.match.start, h.match.end): h.match for h in outcome.hits}
        return Alert(
            id=alert_id(article.id, rule.id),
            **alert_header(article, rule, now),
            matches=sorted(matches.values(), key=lambda m: (m.field != "title", m.start)),
            actors=[AlertActor.of(a) for a in ranked[:MAX_ALERT_ACTORS]],
            rules_version=self.rules.version,
            clauses=list(dict.fromkeys(outcome.clauses)),
            models=self.models,
        )


def alert_header(
    article: RawArticle | EnrichedArticle, rule: rules_mod.Rule, now: datetime
) -> dict[str, Any]:
    """The fields every alert of an article and rule starts with."""
    return {
        "article_id": article.id,
        "rule_id": rule.id,
        "rule_name": rule.name,
        "severity": rule.severity,
        "created_at": now,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published_at": article.published_at,
        "tags": list(rule.tags),
        "story_id": article.story_id,
    }


def _sentence_of(doc: Any, start: int, end: int) -> sentiment.Scored:
    span = doc.char_span(start, end, alignment_mode="expand")
    sent = span.sent if span is not None else doc[:].sent
    text = sent.text.strip()
    offset = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
    return sentiment.Scored(offset, offset + len(text), sentiment.score_text(text))


def _scored(doc: Any, resolved: list[actor_mod.ResolvedActor]) -> tuple[list[Actor], list[Mention]]:
    """The enriched actors and mentions, each scored by the sentences that mention it."""
    actors: list[Actor] = []
    mentions: list[Mention] = []
    cache: dict[tuple[int, int], sentiment.Scored] = {}
    for actor in resolved:
        scored = []
        for m in actor.mentions:
            sent = _sentence_of(doc, m.start, m.end)
            sent = cache.setdefault((sent.start, sent.end), sent)
            scored.append(sent)
            mentions.append(_mention(doc.text, m, actor.id, sent))
        score, evidence = sentiment.aggregate(scored)
        actors.append(
            Actor(
                id=actor.id,
                name=actor.name,
                type=actor.type,
                mention_count=len(actor.mentions),
                surface_forms=actor.surface_forms,
                sentiment=ActorSentiment(
                    score=score,
                    label=sentiment.label(score),
                    evidence=[
                        Evidence(
                            start=s.start, end=s.end, text=doc.text[s.start : s.end], score=s.score
                        )
                        for s in evidence
                    ],
                ),
            )
        )
    mentions.sort(key=lambda m: m.start)
    return actors, mentions


def _mention(text: str, m: actor_mod.RawMention, actor_id: str, sent: sentiment.Scored) -> Mention:
    return Mention(
        start=m.start,
        end=m.end,
        text=m.text,
        label=m.label,
        actor_id=actor_id,
        sentiment=MentionSentiment(
            score=sent.score,
            label=sentiment.label(sent.score),
            evidence=Span(start=sent.start, end=sent.end, text=text[sent.start : sent.end]),
        ),
    )
