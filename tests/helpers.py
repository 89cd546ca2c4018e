"""Test helpers that talk to the real broker: read a whole topic, produce raw bytes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from wirewatch.core.kafka import partitions_of


async def read_topic(bootstrap: str, topic: str, want: int, timeout_s: float = 30.0) -> list[Any]:
    """Committed records of `topic` from the beginning until `want` have arrived (or time
    runs out)."""
    cons = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
    )
    await cons.start()
    try:
        tps = await partitions_of(cons, topic, timeout_s=10)
        cons.assign(tps)
        await cons.seek_to_beginning(*tps)
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while len(records) < want and time.monotonic() < deadline:
            batch = await cons.getmany(timeout_ms=200)
            for recs in batch.values():
                records.extend(recs)
        return records
    finally:
        await cons.stop()


async def produce(
    bootstrap: str,
    topic: str,
    value: bytes,
    key: bytes | None = None,
    headers: list[tuple[str, bytes]] | None = None,
) -> None:
    prod = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await prod.start()
    try:
        await prod.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await prod.stop()


async def eventually(check: Any, timeout_s: float = 30.0, every_s: float = 0.2) -> Any:
    """Await `check()` until it returns something truthy; return it, or fail with the last."""
    deadline = time.monotonic() + timeout_s
    result = None
    while time.monotonic() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(every_s)
    raise AssertionError(f"condition not met in {timeout_s}s; last result: {result!r}")


async def produce_many(
    bootstrap: str, topic: str, items: Sequence[tuple[bytes | None, bytes | None]]
) -> None:
    """(key, value) pairs, all acknowledged before returning."""
    prod = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await prod.start()
    try:
        futures = [await prod.send(topic, value=value, key=key) for key, value in items]
        await asyncio.gather(*futures)
    finally:
        await prod.stop()


async def publish_alerts(settings: Any, analyzer: Any, article: Any) -> list[Any]:
    """The alerts the analyzer raises for `article`, produced to the alerts topic."""
    from wirewatch.core.articles import validate

    [result] = analyzer.analyze(validate([article]))
    for alert in result.alerts:
        value = alert.model_dump_json().encode()
        await produce(
            settings.kafka_bootstrap_servers, settings.topic_alerts, value, alert.id.encode()
        )
    alerts: list[Any] = result.alerts
    return alerts


def sample(name: str, **labels: str) -> float:
    """A metric's current value read through prometheus_client's public registry API."""
    from prometheus_client import REGISTRY

    value = REGISTRY.get_sample_value(name, labels)
    return 0.0 if value is None else value
