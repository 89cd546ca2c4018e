"""The enrich worker: poll a batch, process it, commit per partition once the outputs are acked."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from services.core import kafka
from services.core.analysis import rules as rules_mod
from services.core.analysis.alerting import Alerting
from services.core.analysis.pipeline import Analyzer
from services.core.lifecycle import sleep_or_stop
from services.core.models import Alert, RawArticle
from services.core.tail import TopicTail
from services.enrich import metrics
from services.enrich.health import Readiness
from services.enrich.processor import BatchProcessor, Prepared
from services.enrich.reload import RulesWatcher
from services.enrich.settings import EnrichSettings

log = logging.getLogger(__name__)
Batch = dict[TopicPartition, list[Any]]
PIPELINE_DEPTH = 2  # batches in flight: one scored and published, the next fetched and parsed
WHILE_BUSY_POLL_MS = 20
HOUSEKEEPING_S = 1.0
WARM_UP = RawArticle(
    id="warm-up",
    title="Warm-up",
    text="The minister said in Paris on Monday that the talks with Germany had failed.",
    received_at=datetime(2000, 1, 1, tzinfo=UTC),
)


async def run(
    settings: EnrichSettings, stop: asyncio.Event, readiness: Readiness | None = None
) -> None:
    """Consume the raw topic until `stop` is set (at-least-once)."""
    ready = readiness or Readiness()
    rules_path = settings.enrich_rules_path or rules_mod.DEFAULT_RULES
    analyzer = await asyncio.to_thread(
        Analyzer.load,
        settings.enrich_spacy_model,
        rules_path,
        settings.sentiment_method,
        settings.actors_paths,
        settings.enrich_overlap,
        settings.sentiment_threads,
    )
    # The first analysis allocates and fills caches: pay for it before the first article.
    await asyncio.to_thread(analyzer.analyze, [WARM_UP])
    log.info("analysis ready: %s", analyzer.models.model_dump())
    ready.analysis_loaded = True
    metrics.RULES.set(len(analyzer.rules.rules))
    if settings.topic_create:
        await kafka.ensure_topics(settings)
    alerting = Alerting()
    tail = TopicTail(settings, settings.topic_alerts, _remember_into(alerting))
    tail_task = asyncio.create_task(tail.run(stop), name="alerts-topic-tail")
    producer = kafka.producer(settings)
    await kafka.start_when_ready(producer, settings.kafka_connect_timeout_s, stop)
    try:
        # Earlier alerts first: without them a restart would alert again on known stories.
        await _wait_caught_up(tail, tail_task, stop)
        cons = kafka.consumer(
            settings,
            group_id=settings.enrich_group_id,
            max_poll_interval_ms=settings.enrich_max_poll_interval_ms,
            session_timeout_ms=settings.enrich_session_timeout_ms,
            heartbeat_interval_ms=settings.enrich_heartbeat_interval_ms,
        )
        cons.subscribe([settings.topic_raw], listener=_Rebalances(ready))
        await kafka.start_when_ready(cons, settings.kafka_connect_timeout_s, stop)
        watcher = RulesWatcher(rules_path, analyzer.nlp, settings.enrich_rules_reload_interval_s)
        _on_sighup(watcher)
        try:
            processor = BatchProcessor(analyzer, producer, settings, alerting)
            await _loop(cons, processor, watcher, settings, stop)
        finally:
            await cons.stop()
    finally:
        stop.set()
        ready.stopping = True
        await producer.stop()
        await asyncio.gather(tail_task, return_exceptions=True)


class _Rebalances(ConsumerRebalanceListener):  # type: ignore[misc]
    """Counts assignments and tells readiness whether the worker is in the group."""

    def __init__(self, readiness: Readiness):
        self.readiness = readiness

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        metrics.ASSIGNED.set(0)
        self.readiness.group_joined = False

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        metrics.REBALANCES.inc()
        metrics.ASSIGNED.set(len(assigned))
        # Joined even with no partition: a group larger than the topic is still healthy.
        self.readiness.group_joined = True


def _remember_into(alerting: Alerting) -> Callable[[Any], None]:
    def remember(record: Any) -> None:
        alert = Alert.model_validate_json(record.value or b"")
        alerting.stories.remember(alert, alert.published_at or alert.created_at)

    return remember


async def _wait_caught_up(tail: TopicTail, task: asyncio.Task[None], stop: asyncio.Event) -> None:
    waiter = asyncio.create_task(tail.caught_up.wait())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, stopper, task}, return_when=asyncio.FIRST_COMPLETED)
    waiter.cancel()
    stopper.cancel()
    if task.done() and not stop.is_set():
        task.result()  # the tail failed: raise its error
        raise RuntimeError("alerts topic reader stopped")


def _on_sighup(watcher: RulesWatcher) -> None:
    with contextlib.suppress(NotImplementedError, RuntimeError):
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGHUP, lambda: setattr(watcher, "forced", True)
        )


@dataclass
class _InFlight:
    batch: Batch
    prepared: asyncio.Task[Prepared]


async def _loop(
    cons: AIOKafkaConsumer,
    processor: BatchProcessor,
    watcher: RulesWatcher,
    settings: EnrichSettings,
    stop: asyncio.Event,
) -> None:
    """Fetch, analyse and publish as a pipeline: while one batch is scored and published,
    the next is already fetched and parsed, so the cores never wait for a batch boundary.
    Batches are published and committed in the order they were fetched."""
    pending: deque[_InFlight] = deque()
    housekeeping = 0.0
    while not stop.is_set():
        if len(pending) < PIPELINE_DEPTH:
            # Idle: wait long for the first record. Busy: look briefly for the next batch.
            timeout = WHILE_BUSY_POLL_MS if pending else settings.enrich_poll_timeout_ms
            batch: Batch = await cons.getmany(
                timeout_ms=timeout, max_records=settings.enrich_batch_size
            )
            if batch:
                task = asyncio.create_task(processor.prepare(_in_order(batch)))
                pending.append(_InFlight(batch, task))
        if pending and (pending[0].prepared.done() or len(pending) >= PIPELINE_DEPTH):
            await _finish(cons, processor, pending, settings, stop)
        if time.monotonic() - housekeeping >= HOUSEKEEPING_S:
            housekeeping = time.monotonic()
            await _housekeeping(cons, processor, watcher)
    while pending:  # stopping: what was analysed is published and committed
        await _finish(cons, processor, pending, settings, stop)


async def _housekeeping(
    cons: AIOKafkaConsumer, processor: BatchProcessor, watcher: RulesWatcher
) -> None:
    await _record_lag(cons)
    new_rules = watcher.check()
    if new_rules is not None:
        processor.analyzer.set_rules(new_rules)
        metrics.RULES.set(len(new_rules.rules))
    stories = processor.alerting.stories
    horizon = max((r.cooldown_s for r in processor.analyzer.rules.rules), default=0.0)
    stories.prune(horizon)
    metrics.STORIES.set(len(stories))


def _in_order(batch: Batch) -> list[Any]:
    return [r for tp in sorted(batch, key=lambda t: t.partition) for r in batch[tp]]


async def _finish(
    cons: AIOKafkaConsumer,
    processor: BatchProcessor,
    pending: deque[_InFlight],
    settings: EnrichSettings,
    stop: asyncio.Event,
) -> None:
    """Publish the oldest batch and commit it; on failure read everything in flight again."""
    head = pending.popleft()
    try:
        await processor.publish(await head.prepared)
    except KafkaError as exc:
        # Outputs not acknowledged: commit nothing; read this batch and the later ones again.
        metrics.FAILURES.inc()
        log.error("outputs not acknowledged (%s); retrying the batch", exc)
        later = list(pending)
        pending.clear()
        await asyncio.gather(*(f.prepared for f in later), return_exceptions=True)
        _rewind(cons, [head.batch, *(f.batch for f in later)])
        await sleep_or_stop(stop, settings.enrich_retry_backoff_s)
        return
    t0 = time.perf_counter()
    offsets = {tp: records_[-1].offset + 1 for tp, records_ in head.batch.items()}
    try:
        await cons.commit(offsets)
    except (CommitFailedError, IllegalStateError) as exc:
        # A rebalance took the partitions away; their new owner re-reads from the last commit.
        log.warning("commit failed after a rebalance (%s); outputs may repeat", exc)
        return
    metrics.STAGE_SECONDS.labels("commit").observe(time.perf_counter() - t0)
    metrics.LAST_COMMIT.set(time.time())


def _rewind(cons: AIOKafkaConsumer, batches: list[Batch]) -> None:
    """Seek each partition back to the first record of these batches (fetched in order)."""
    assigned = cons.assignment()
    first: dict[TopicPartition, int] = {}
    for batch in batches:
        for tp, records in batch.items():
            first[tp] = min(first.get(tp, records[0].offset), records[0].offset)
    for tp, offset in first.items():
        if tp in assigned:
            cons.seek(tp, offset)


async def _record_lag(cons: AIOKafkaConsumer) -> None:
    for tp in cons.assignment():
        lag = kafka.lag(cons, tp, await cons.position(tp))
        if lag is not None:
            metrics.LAG.labels(tp.topic, str(tp.partition)).set(lag)
