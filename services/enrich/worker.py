"""The enrich worker: poll a batch, process it, commit per partition once the outputs are acked."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from services.core import kafka
from services.core.analysis.pipeline import Analyzer
from services.core.lifecycle import sleep_or_stop
from services.enrich import metrics
from services.enrich.processor import BatchProcessor
from services.enrich.settings import EnrichSettings

log = logging.getLogger(__name__)
Batch = dict[TopicPartition, list[Any]]


async def run(settings: EnrichSettings, stop: asyncio.Event) -> None:
    """Consume the raw topic until `stop` is set (at-least-once)."""
    analyzer = await asyncio.to_thread(
        Analyzer.load, settings.enrich_spacy_model, settings.enrich_rules_path
    )
    log.info("analysis ready: %s", analyzer.models.model_dump())
    if settings.topic_create:
        await kafka.ensure_topics(settings)
    producer = kafka.producer(settings)
    await kafka.start_when_ready(producer, settings.kafka_connect_timeout_s, stop)
    try:
        cons = kafka.consumer(
            settings,
            settings.topic_raw,
            group_id=settings.enrich_group_id,
            max_poll_interval_ms=settings.enrich_max_poll_interval_ms,
            session_timeout_ms=settings.enrich_session_timeout_ms,
            heartbeat_interval_ms=settings.enrich_heartbeat_interval_ms,
        )
        await kafka.start_when_ready(cons, settings.kafka_connect_timeout_s, stop)
        try:
            await _loop(cons, BatchProcessor(analyzer, producer, settings), settings, stop)
        finally:
            await cons.stop()
    finally:
        await producer.stop()


async def _loop(
    cons: AIOKafkaConsumer, processor: BatchProcessor, settings: EnrichSettings, stop: asyncio.Event
) -> None:
    while not stop.is_set():
        batch: Batch = await cons.getmany(
            timeout_ms=settings.enrich_poll_timeout_ms, max_records=settings.enrich_batch_size
        )
        if batch:
            await _handle(cons, processor, batch, settings, stop)
        await _record_lag(cons)


async def _handle(
    cons: AIOKafkaConsumer,
    processor: BatchProcessor,
    batch: Batch,
    settings: EnrichSettings,
    stop: asyncio.Event,
) -> None:
    records = [r for tp in sorted(batch, key=lambda t: t.partition) for r in batch[tp]]
    try:
        await processor.process(records)
    except KafkaError as exc:
        # Outputs not acknowledged: do not commit; read the batch again after a pause.
        metrics.FAILURES.inc()
        log.error("outputs not acknowledged (%s); retrying the batch", exc)
        _rewind(cons, batch)
        await sleep_or_stop(stop, settings.enrich_retry_backoff_s)
        return
    t0 = time.perf_counter()
    offsets = {tp: records_[-1].offset + 1 for tp, records_ in batch.items()}
    try:
        await cons.commit(offsets)
    except (CommitFailedError, IllegalStateError) as exc:
        # A rebalance took the partitions away; their new owner re-reads from the last commit.
        log.warning("commit failed after a rebalance (%s); outputs may repeat", exc)
        return
    metrics.STAGE_SECONDS.labels("commit").observe(time.perf_counter() - t0)
    metrics.LAST_COMMIT.set(time.time())


def _rewind(cons: AIOKafkaConsumer, batch: Batch) -> None:
    assigned = cons.assignment()
    for tp, records in batch.items():
        if tp in assigned:
            cons.seek(tp, records[0].offset)


async def _record_lag(cons: AIOKafkaConsumer) -> None:
    for tp in cons.assignment():
        lag = kafka.lag(cons, tp, await cons.position(tp))
        if lag is not None:
            metrics.LAG.labels(tp.topic, str(tp.partition)).set(lag)
