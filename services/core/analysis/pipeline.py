"""The analysis pipeline: raw article in, enriched article and alerts out."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from wirewatch.core.analysis import rules as rules_mod
from wirewatch.core.analysis.entities import actors as actor_mod
from wirewatch.core.analysis.entities import aliases, companies, descriptors, states, teams
from wirewatch.core.analysis.entities import nlp as nlp_mod
from wirewatch.core.analysis.entities import tagger as tagger_mod
from wirewatch.core.analysis.entities.mentions import mentions_from
from wirewatch.core.analysis.rules.nodes import Outcome
from wirewatch.core.analysis.sentiment import methods as sentiment
from wirewatch.core.analysis.sentiment.scoring import quotes_and_stances, score_actors
from wirewatch.core.ids import alert_id
from wirewatch.core.models import (
    Actor,
    Alert,
    AlertActor,
    AlertRef,
    EnrichedArticle,
    ModelInfo,
    RawArticle,
    utcnow,
)

log = logging.getLogger(__name__)
MAX_ALERT_ACTORS = 20
OVERLAP = 4
SCORERS = 2


@dataclass(frozen=True)
class Analysis:
    """What one raw article yields: its enriched form and its alerts."""

    enriched: EnrichedArticle
    alerts: list[Alert]
    doc: rules_mod.MatchDoc


class Analyzer:
    """Runs spaCy, actor resolution, sentiment and rules over batches of articles."""

    def __init__(
        self,
        nlp: Any,
        rules: rules_mod.RuleSet,
        batch_size: int = 32,
        method: sentiment.SentimentMethod | None = None,
        table: aliases.AliasTable | None = None,
        overlap: int = OVERLAP,
        tagger: tagger_mod.Tagger | None = None,
    ):
        self.nlp = nlp
        self.tagger = tagger
        self.batch_size = batch_size
        # Articles per step of the two-stage pipeline (0: one stage, one core).
        self.overlap = overlap
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        # Two batches may be analysed at once (the enrich worker pipelines them): one parses
        # while the other's steps are scored. spaCy parses in one thread at a time.
        self._parse_lock = threading.Lock()
        self.sentiment = method or sentiment.method()
        self.aliases = table if table is not None else aliases.AliasTable.load()
        self.set_rules(rules)

    def set_rules(self, rules: rules_mod.RuleSet) -> None:
        """Swap the rule set (between batches); the model info follows its version."""
        self.rules = rules
        self.models = ModelInfo(
            spacy=nlp_mod.model_name(self.nlp),
            sentiment=self.sentiment.name,
            rules=rules.version,
            entities=self.tagger.name if self.tagger is not None else None,
        )

    @classmethod
    def load(
        cls,
        model: str = nlp_mod.DEFAULT_MODEL,
        rules_path: Path | None = None,
        method: sentiment.Method = "model",
        actor_tables: Sequence[Path] = (),
        overlap: int = OVERLAP,
        parallel: int = 1,
        entities: tagger_mod.Entities = tagger_mod.DEFAULT_ENTITIES,
    ) -> Analyzer:
        nlp = nlp_mod.load(model)
        rules = rules_mod.load(rules_path or rules_mod.DEFAULT_RULES, nlp)
        table = aliases.AliasTable.load(actor_tables)
        scorer = sentiment.method(method, parallel)
        tagger = tagger_mod.shared() if entities == "tagger" else None
        return cls(nlp, rules, method=scorer, table=table, overlap=overlap, tagger=tagger)

    def analyze(
        self,
        articles: Sequence[RawArticle],
        now: datetime | None = None,
        timings: dict[str, float] | None = None,
    ) -> list[Analysis]:
        """Analyse a batch, in steps of `overlap` articles: spaCy parses a step while the
        steps already parsed are scored (actors, sentiment, quotes, rules) by other threads.

        `timings`, when given, receives the seconds spent per stage (nlp, actors, sentiment,
        rules).
        """
        now = now or utcnow()
        spent = timings if timings is not None else {}
        step = self.overlap or len(articles) or 1
        if step >= len(articles):
            return self._finish(articles, *self._parse(articles, spent), now, spent)
        # spaCy parses the next articles while the previous ones are scored: the sentiment
        # model (onnxruntime) releases the GIL, so the stages share the cores. Scoring costs
        # more than parsing, so two scoring threads keep both cores busy.
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(SCORERS, thread_name_prefix="analyze")
        pending: list[Future[list[Analysis]]] = []
        for i in range(0, len(articles), step):
            part = articles[i : i + step]
            parsed = self._parse(part, spent)
            pending.append(self._pool.submit(self._finish, part, *parsed, now, spent))
        return [a for f in pending for a in f.result()]

    def _parse(
        self, articles: Sequence[RawArticle], spent: dict[str, float]
    ) -> tuple[list[Any], list[Any]]:
        """spaCy once over all texts and once over all titles."""
        with self._parse_lock:
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
        return docs, titles

    def _finish(
        self,
        articles: Sequence[RawArticle],
        docs: list[Any],
        titles: list[Any],
        now: datetime,
        spent: dict[str, float],
    ) -> list[Analysis]:
        mine: dict[str, float] = {}
        out = [
            self._one(a, d, t, now, mine) for a, d, t in zip(articles, docs, titles, strict=True)
        ]
        with self._lock:  # scoring threads add up their stage times one at a time
            for stage, seconds in mine.items():
                spent[stage] = spent.get(stage, 0.0) + seconds
        return out

    def _one(
        self, article: RawArticle, doc: Any, title: Any, now: datetime, spent: dict[str, float]
    ) -> Analysis:
        if self.tagger is not None:
            tagging = time.perf_counter()
            self.tagger.retag(doc)
            spent["entities"] = spent.get("entities", 0.0) + time.perf_counter() - tagging
        started = time.perf_counter()
        resolved = aliases.canonicalise(actor_mod.resolve(mentions_from(doc)), self.aliases)
        resolved = descriptors.retype(doc, companies.retype(doc, teams.retype(doc, resolved)))
        resolved = states.retype(doc, resolved)
        scoring = time.perf_counter()
        scored = score_actors(doc, article.title, resolved, self.sentiment)
        actors, mentions = scored.actors, scored.mentions
        quoting = time.perf_counter()
        quotes, stances = quotes_and_stances(doc, scored, self.sentiment.band)
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
        spent["sentiment"] = spent.get("sentiment", 0.0) + quoting - scoring
        spent["quotes"] = spent.get("quotes", 0.0) + middle - quoting
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
            quotes=quotes,
            stances=stances,
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
