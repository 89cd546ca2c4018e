"""One polled batch: decode, analyse off the event loop, publish, dead-letter bad records."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaProducer

from wirewatch.core import failpoints, headers
from wirewatch.core.analysis.alerting import Alerting
from wirewatch.core.analysis.pipeline import Analysis, Analyzer
from wirewatch.core.models import Alert, EnrichedArticle, RawArticle, utcnow
from wirewatch.enrich import metrics
from wirewatch.enrich.settings import EnrichSettings

log = logging.getLogger(__name__)
MAX_ERROR_CHARS = 2_000


@dataclass
class Prepared:
    """A batch analysed but not yet published: its records, dead letters due, results.

    Nothing is sent while preparing: on Kafka every output of a batch, dead letters
    included, belongs to that batch's transaction."""

    records: list[Any]
    started: float
    dead: list[tuple[Any, str, Exception]] = field(default_factory=list)
    good: list[tuple[Any, RawArticle]] = field(default_factory=list)
    results: list[Analysis | Exception] = field(default_factory=list)


class BatchProcessor:
    """Turns records into acknowledged outputs; returns only when every send was acked."""

    def __init__(
        self,
        analyzer: Analyzer,
        producer: AIOKafkaProducer,
        settings: EnrichSettings,
        alerting: Alerting,
    ):
        self.analyzer = analyzer
        self.producer = producer
        self.settings = settings
        self.alerting = alerting

    async def process(self, records: Sequence[Any]) -> None:
        """Analyse and publish one batch (what the worker pipelines as two steps)."""
        await self.publish(await self.prepare(records))

    async def prepare(self, records: Sequence[Any]) -> Prepared:
        """Decode, dead-letter what is not an article, analyse the rest off the event loop."""
        started = time.perf_counter()
        prepared = Prepared(list(records), started)
        for record in records:
            try:
                article = _decode(record)
            except ValueError as exc:
                prepared.dead.append((record, "invalid_message", exc))
                continue
            if (
                article.language is not None
                and article.language not in self.settings.enrich_languages
            ):
                metrics.MESSAGES.labels("skipped_language").inc()
                continue
            prepared.good.append((record, article))
        metrics.STAGE_SECONDS.labels("decode").observe(time.perf_counter() - started)
        timings: dict[str, float] = {}
        articles = [a for _, a in prepared.good]
        prepared.results = await asyncio.to_thread(self._analyze, articles, timings)
        for stage, seconds in timings.items():
            metrics.STAGE_SECONDS.labels(stage).observe(seconds)
        return prepared

    async def publish(self, prepared: Prepared) -> None:
        """Alerting in record order, then every output sent; returns once all are acked."""
        t0 = time.perf_counter()
        now = utcnow()
        deliveries = [await self._dead_letter(*dead) for dead in prepared.dead]
        for (record, _), result in zip(prepared.good, prepared.results, strict=True):
            if not isinstance(result, Exception):
                try:
                    # In record order: whether an alert is new or joins a story depends on it.
                    enriched, alerts = self.alerting.process(
                        result, self.analyzer.rules, self.analyzer.models, now
                    )
                except Exception as exc:  # a bug in one rule must not crash-loop the worker
                    log.exception("alerting failed on %s", result.enriched.id)
                    result = exc
                else:
                    trace = headers.trace_of(record.headers)
                    deliveries.extend(await self._publish(enriched, alerts, trace))
                    continue
            deliveries.append(await self._dead_letter(record, "processing_error", result))
        await asyncio.gather(*deliveries)
        metrics.STAGE_SECONDS.labels("produce").observe(time.perf_counter() - t0)
        self._observe(prepared)

    def _observe(self, prepared: Prepared) -> None:
        acked = utcnow()
        results = prepared.results
        for (_, article), result in zip(prepared.good, results, strict=True):
            if not isinstance(result, Exception):
                since_ingest = (acked - article.received_at).total_seconds()
                metrics.END_TO_END.labels("enriched").observe(since_ingest)
                for _ in result.alerts:
                    metrics.END_TO_END.labels("alert").observe(since_ingest)
                metrics.count_actors(result.enriched)
        elapsed = time.perf_counter() - prepared.started
        for _ in prepared.records:
            metrics.ARTICLE_SECONDS.observe(elapsed)
        metrics.MESSAGES.labels("enriched").inc(sum(not isinstance(r, Exception) for r in results))

    def _analyze(
        self, articles: list[RawArticle], timings: dict[str, float]
    ) -> list[Analysis | Exception]:
        """Analyse the batch; if it fails, article by article so only the culprit is lost."""
        if not articles:
            return []
        failpoints.stall("enrich-analyze")  # tests: an article slower than the poll interval
        try:
            return list(self.analyzer.analyze(articles, timings=timings))
        except Exception:
            log.exception("batch analysis failed; retrying article by article")
        out: list[Analysis | Exception] = []
        for article in articles:
            try:
                out.append(self.analyzer.analyze([article])[0])
            except Exception as exc:
                out.append(exc)
        return out

    async def _publish(
        self, article: EnrichedArticle, alerts: list[Alert], trace: str
    ) -> list[asyncio.Future[Any]]:
        s = self.settings
        sends = [
            await self.producer.send(
                s.topic_enriched,
                value=article.model_dump_json().encode(),
                key=article.id.encode(),
                headers=headers.message_headers("article.enriched.v1", "enrich", trace),
            )
        ]
        for alert in alerts:
            sends.append(
                await self.producer.send(
                    s.topic_alerts,
                    value=alert.model_dump_json().encode(),
                    key=alert.id.encode(),
                    headers=headers.message_headers("alert.v1", "enrich", trace),
                )
            )
            outcome = "new" if alert.revision == 0 else "related"
            metrics.ALERTS.labels(alert.rule_id, alert.severity, outcome).inc()
        return sends

    async def _dead_letter(self, record: Any, reason: str, exc: Exception) -> asyncio.Future[Any]:
        where = f"{record.topic}[{record.partition}]@{record.offset}"
        log.warning("dead-lettering %s: %s: %s", where, reason, exc)
        metrics.DLQ.labels(reason).inc()
        metrics.MESSAGES.labels("dlq").inc()
        dlq_headers = [
            *list(record.headers or ()),
            ("wirewatch-dlq-reason", reason.encode()),
            ("wirewatch-dlq-error", f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS].encode()),
            ("wirewatch-source-topic", record.topic.encode()),
            ("wirewatch-source-partition", str(record.partition).encode()),
            ("wirewatch-source-offset", str(record.offset).encode()),
            ("wirewatch-dlq-service", b"enrich"),
        ]
        # A tombstone stays a null value, so it is not mistaken for an empty message.
        fut: asyncio.Future[Any] = await self.producer.send(
            self.settings.topic_dlq, value=record.value, key=record.key, headers=dlq_headers
        )
        return fut


def _decode(record: Any) -> RawArticle:
    """The raw article in a record; ValueError (pydantic's included) when it is not one."""
    if record.value is None:
        raise ValueError("empty message (tombstone)")
    return RawArticle.model_validate_json(record.value)
