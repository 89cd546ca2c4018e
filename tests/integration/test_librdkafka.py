"""A librdkafka client (confluent-kafka) reads every topic the system writes, on both brokers.

Subscribers are as likely to use librdkafka (confluent-kafka, kcat, most non-Java clients)
as aiokafka. Records are written with the services' own serialisation and headers.
"""

from __future__ import annotations

import time
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaProducer
from confluent_kafka import Consumer, TopicPartition

from wirewatch.core import kafka
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import validate
from wirewatch.core.headers import message_headers, new_trace_id
from wirewatch.core.settings import CommonSettings

pytestmark = pytest.mark.integration
Record = tuple[str, bytes | None, bytes, tuple[tuple[str, bytes], ...]]


def _expected(
    common: CommonSettings, analyzer: Analyzer, sample_article: dict[str, Any]
) -> set[Record]:
    [raw] = validate([sample_article])
    [result] = analyzer.analyze([raw])
    trace = new_trace_id()

    def record(topic: str, key: str, value: str | bytes, schema: str | None = None) -> Record:
        producer = "ingest" if topic == common.topic_raw else "enrich"
        hdrs = tuple(message_headers(schema, producer, trace)) if schema else ()
        body = value.encode() if isinstance(value, str) else value
        return (topic, key.encode(), body, hdrs)

    out = {
        record(common.topic_raw, raw.id, raw.model_dump_json(), "article.raw.v1"),
        record(
            common.topic_enriched,
            raw.id,
            result.enriched.model_dump_json(),
            "article.enriched.v1",
        ),
        record(common.topic_dlq, "bad", b"not json"),
        record(common.topic_webhooks, "sub-1", b'{"id": "sub-1"}'),
        record(common.topic_feeds, "wire", b'{"name": "wire"}'),
        record(common.topic_feed_state, "wire", b'{"name": "wire"}'),
    }
    out |= {
        record(common.topic_alerts, a.id, a.model_dump_json(), "alert.v1") for a in result.alerts
    }
    return out


async def _write(bootstrap: str, records: set[Record]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for topic, key, value, hdrs in sorted(records):
            await producer.send_and_wait(topic, value=value, key=key, headers=list(hdrs))
    finally:
        await producer.stop()


def _read_all(bootstrap: str, topics: list[str], want: int, timeout_s: float) -> set[Record]:
    """Every record of the topics, read by count rather than up to the high watermark:
    librdkafka reports Tansu's watermark one too low on some partitions (docs/brokers.md)."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": "librdkafka-reader",  # assigned, not subscribed: no group is joined
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
        }
    )
    try:
        metadata = consumer.list_topics(timeout=10)
        consumer.assign(
            [
                TopicPartition(t, p, 0)  # offset 0: from the beginning
                for t in topics
                for p in metadata.topics[t].partitions
            ]
        )
        seen: set[Record] = set()
        deadline = time.monotonic() + timeout_s
        while len(seen) < want and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            assert message.error() is None, message.error()
            pairs = cast(list[tuple[str, bytes]], message.headers() or [])
            hdrs = tuple((k, _bytes(v)) for k, v in pairs)
            topic, key, value = message.topic(), message.key(), message.value()
            assert topic is not None
            seen.add((topic, _bytes(key), _bytes(value), hdrs))
        return seen
    finally:
        consumer.close()


def _bytes(value: str | bytes | None) -> bytes:
    return value.encode() if isinstance(value, str) else (value or b"")


async def test_a_librdkafka_consumer_reads_every_topic_the_system_writes(
    common: CommonSettings, analyzer: Analyzer, sample_article: dict[str, Any]
) -> None:
    await kafka.ensure_topics(common)
    expected = _expected(common, analyzer, sample_article)
    assert {r[0] for r in expected} == set(common.all_topics())  # all seven
    await _write(common.kafka_bootstrap_servers, expected)
    seen = _read_all(common.kafka_bootstrap_servers, common.all_topics(), len(expected), 60)
    assert seen == expected
