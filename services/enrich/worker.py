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
from aiokafka.errors import KafkaError

from wirewatch.core import failpoints, kafka, memory
from wirewatch.core.analysis import rules as rules_mod
from wirewatch.core.analysis.alerting import Alerting
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.brokerwatch import BrokerMetrics, BrokerWatch
from wirewatch.core.lifecycle import Stopped, sleep_or_stop, unless_stopping
from wirewatch.core.models import Alert, RawArticle
from wirewatch.core.tail import TopicTail
from wirewatch.enrich import metrics
from wirewatch.enrich.commit import AtLeastOnce, Committer, Transactional, transactional_id
from wirewatch.enrich.health import Readiness
from wirewatch.enrich.processor import BatchProcessor, Prepared
from wirewatch.enrich.reload import RulesWatcher
from wirewatch.enrich.settings import EnrichSettings

log = logging.getLogger(__name__)
Batch = dict[TopicPartition, list[Any]]
PIPELINE_DEPTH = 2  # batches in flight: one scored and published, the next fetched and parsed
WHILE_BUSY_POLL_MS = 20
HOUSEKEEPING_S = 1.0
TRIM_S = 2.0  # how often freed heap is handed back to the system
WARM_UP = RawArticle(
    id="warm-up",
    title="Warm-up",
    text="The minister said in Paris on Monday that the talks with Germany had failed.",
    received_at=datetime(2000, 1, 1, tzinfo=UTC),
)


async def run(
    settings: EnrichSettings, stop: asyncio.Event, readiness: Readiness | None = None
) -> None:
    """Consume the raw topic until `stop` is set: exactly-once on Kafka, else at-least-once."""
    ready = readiness or Readiness()
    rules_path = settings.enrich_rules_path or rules_mod.DEFAULT_RULES
    try:
        analyzer = await unless_stopping(stop, lambda: _load(settings, rules_path))
    except Stopped:
        log.info("stopped while loading the models")
        return
    log.info("analysis ready: %s", analyzer.models.model_dump())
    ready.analysis_loaded = True
    metrics.RULES.set(len(analyzer.rules.rules))
    if settings.topic_create:
        await kafka.ensure_topics(settings)
    alerting = Alerting()
    horizon = max((r.cooldown_s for r in analyzer.rules.rules), default=0.0)
    if horizon > settings.enrich_story_window_s:
        log.warning(
            "WIREWATCH_ENRICH_STORY_WINDOW_S (%.0f s) is shorter than the longest rule cooldown "
            "(%.0f s): a restart may alert again on a story",
            settings.enrich_story_window_s,
            horizon,
        )
    tail = TopicTail(
        settings,
        settings.topic_alerts,
        _remember_into(alerting),
        window_s=settings.enrich_story_window_s,
    )
    tail_task = asyncio.create_task(tail.run(stop), name="alerts-topic-tail")
    exactly_once = await kafka.exactly_once(settings)
    producer = _producer(settings, exactly_once)
    await kafka.start_when_ready(producer, settings.kafka_connect_timeout_s, stop)
    watch = BrokerWatch(producer, BrokerMetrics(metrics.BROKER_UP, metrics.BROKER_LOST))
    ready.broker = watch
    watch_task = asyncio.create_task(watch.run(stop), name="broker-watch")
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
        rebalances = _Rebalances(ready)
        cons.subscribe([settings.topic_raw], listener=rebalances)
        await kafka.start_when_ready(cons, settings.kafka_connect_timeout_s, stop)
        watcher = RulesWatcher(rules_path, analyzer.nlp, settings.enrich_rules_reload_interval_s)
        _on_sighup(watcher)
        committer: Committer = (
            Transactional(producer, settings.enrich_group_id) if exactly_once else AtLeastOnce(cons)
        )
        try:
            processor = BatchProcessor(analyzer, producer, settings, alerting)
            step = _Step(cons, processor, committer, rebalances, settings, stop)
            await _loop(step, watcher)
        finally:
            await cons.stop()
    finally:
        stop.set()
        ready.stopping = True
        await producer.stop()
        await asyncio.gather(tail_task, watch_task, return_exceptions=True)


def _load(settings: EnrichSettings, rules_path: Any) -> Analyzer:
    analyzer = Analyzer.load(
        settings.enrich_spacy_model,
        rules_path,
        settings.sentiment_method,
        settings.actors_paths,
        settings.enrich_overlap,
        settings.sentiment_parallel(),
        entities=settings.entities_method,
    )
    # The first analysis allocates and fills caches: pay for it before the first article.
    analyzer.analyze([WARM_UP])
    return analyzer


def _producer(settings: EnrichSettings, exactly_once: bool) -> kafka.AIOKafkaProducer:
    if not exactly_once:
        return kafka.producer(settings)
    return kafka.producer(
        settings,
        idempotent=True,
        transactional_id=transactional_id(settings),
        transaction_timeout_ms=settings.enrich_transaction_timeout_ms,
    )


class _Rebalances(ConsumerRebalanceListener):  # type: ignore[misc]
    """Counts assignments and tells readiness whether the worker is in the group.

    Partitions are given up only between batches (`lock`): a batch being published
    finishes, and its offsets are committed, before another worker may read them."""

    def __init__(self, readiness: Readiness):
        self.readiness = readiness
        self.lock = asyncio.Lock()
        self.generation = 0  # batches fetched in an earlier one are stale

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self.lock:
            self.generation += 1
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
    generation: int


@dataclass
class _Step:
    """What publishing and committing a batch needs."""

    cons: AIOKafkaConsumer
    processor: BatchProcessor
    committer: Committer
    rebalances: _Rebalances
    settings: EnrichSettings
    stop: asyncio.Event


async def _loop(step: _Step, watcher: RulesWatcher) -> None:
    """Fetch, analyse and publish as a pipeline: while one batch is scored and published,
    the next is already fetched and parsed, so the cores never wait for a batch boundary.
    Batches are published and committed in the order they were fetched."""
    cons, settings, stop = step.cons, step.settings, step.stop
    pending: deque[_InFlight] = deque()
    housekeeping = trimmed = 0.0
    while not stop.is_set():
        if len(pending) < PIPELINE_DEPTH:
            # Idle: wait long for the first record. Busy: look briefly for the next batch.
            timeout = WHILE_BUSY_POLL_MS if pending else settings.enrich_poll_timeout_ms
            batch: Batch = await kafka.poll(cons, stop, timeout, settings.enrich_batch_size)
            if batch:
                task = asyncio.create_task(step.processor.prepare(_in_order(batch)))
                pending.append(_InFlight(batch, task, step.rebalances.generation))
        if pending and (pending[0].prepared.done() or len(pending) >= PIPELINE_DEPTH):
            await _finish(step, pending)
        if time.monotonic() - housekeeping >= HOUSEKEEPING_S:
            housekeeping = time.monotonic()
            await _housekeeping(cons, step.processor, watcher)
        if time.monotonic() - trimmed >= TRIM_S:
            trimmed = time.monotonic()
            memory.trim()
    while pending:  # stopping: what was analysed is published and committed
        await _finish(step, pending)


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


async def _finish(step: _Step, pending: deque[_InFlight]) -> None:
    """Publish the oldest batch and commit it; on failure read everything in flight again."""
    head = pending.popleft()
    prepared = await head.prepared
    offsets = {tp: records_[-1].offset + 1 for tp, records_ in head.batch.items()}
    async with step.rebalances.lock:  # a rebalance waits for this batch to be final
        if head.generation != step.rebalances.generation:
            # Fetched before a rebalance: whoever owns these partitions now (this worker
            # too) reads them again from the last commit. Publishing would repeat them.
            log.info("dropping a batch fetched before a rebalance; it is read again")
            return
        try:
            await step.committer.begin()
            await step.processor.publish(prepared)
            failpoints.hit("enrich-before-commit")  # outputs sent, offsets not committed
            t0 = time.perf_counter()
            await step.committer.commit(offsets)
            metrics.STAGE_SECONDS.labels("commit").observe(time.perf_counter() - t0)
            metrics.LAST_COMMIT.set(time.time())
            return
        except KafkaError as exc:
            await step.committer.abort()
            failure = exc
    await _retry_later(step, head, pending, failure)  # not holding up a rebalance meanwhile


async def _retry_later(
    step: _Step, head: _InFlight, pending: deque[_InFlight], exc: KafkaError
) -> None:
    """Outputs not final: commit nothing; read this batch and the later ones again."""
    metrics.FAILURES.inc()
    log.error("outputs not acknowledged (%s); retrying the batch", exc)
    later = list(pending)
    pending.clear()
    await asyncio.gather(*(f.prepared for f in later), return_exceptions=True)
    _rewind(step.cons, [head.batch, *(f.batch for f in later)])
    await sleep_or_stop(step.stop, step.settings.enrich_retry_backoff_s)


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
    record = kafka.lag_recorder(metrics.LAG)
    for tp in cons.assignment():
        lag = kafka.lag(cons, tp, await cons.position(tp))
        if lag is not None:
            record(tp, lag)
