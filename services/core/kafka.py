"""Kafka helpers shared by the services: clients, topic creation, waiting, lag."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

__all__ = ["AIOKafkaConsumer", "AIOKafkaProducer", "TopicPartition"]
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError, KafkaError
from prometheus_client import Gauge

from wirewatch.core.settings import CommonSettings

log = logging.getLogger(__name__)

TOPIC_ALREADY_EXISTS = 36
UNKNOWN_TOPIC = 3
Headers = list[tuple[str, bytes]]


def producer(
    settings: CommonSettings, idempotent: bool = False, **overrides: Any
) -> AIOKafkaProducer:
    """A producer that waits for every in-sync replica (acks=all); idempotent when asked
    (see `exactly_once`: the embedded broker rejects InitProducerId)."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id,
        "acks": "all",
        "enable_idempotence": idempotent,
        "request_timeout_ms": settings.kafka_request_timeout_ms,
        "linger_ms": 5,
        "max_request_size": 4 * 1024 * 1024,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


def consumer(settings: CommonSettings, *topics: str, **overrides: Any) -> AIOKafkaConsumer:
    """A consumer with manual commits, reading from the earliest offset by default.

    It reads committed records only: on Kafka, outputs of an aborted (or still open)
    enrich transaction are never seen; on a broker without transactions it is a no-op."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "request_timeout_ms": max(settings.kafka_request_timeout_ms, 40_000),
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
    }
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


async def start_when_ready(
    client: Any, timeout_s: float, stop: asyncio.Event | None = None
) -> None:
    """Start an aiokafka client, retrying until the broker answers or time runs out."""
    deadline = time.monotonic() + timeout_s
    delay = 0.1
    while True:
        try:
            await client.start()
            return
        except KafkaConnectionError as exc:
            if time.monotonic() + delay > deadline or (stop is not None and stop.is_set()):
                raise TimeoutError(f"Kafka not reachable after {timeout_s:.0f}s: {exc}") from exc
            log.info("waiting for Kafka (%s)", exc)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def exactly_once(settings: CommonSettings) -> bool:
    """Whether this process uses idempotent producers (and enrich, transactions).

    `kafka_exactly_once`: "off" never; "on" always, failing at start if the broker cannot;
    "auto" asks the broker once for a producer id (Apache Kafka gives one, Tansu does not).
    """
    mode = settings.kafka_exactly_once
    if mode == "off":
        return False
    probe = producer(settings, idempotent=True)
    sender = logging.getLogger("aiokafka.producer.sender")
    sender.addFilter(_no_producer_id_error)  # the refusal is the answer, not an error
    try:
        await start_when_ready(probe, settings.kafka_connect_timeout_s)
    except KafkaError as exc:
        if mode == "on":
            raise RuntimeError(
                f"WIREWATCH_KAFKA_EXACTLY_ONCE=on but the broker cannot give a producer id "
                f"(no idempotence or transactions): {exc}"
            ) from exc
        log.warning(
            "this broker has no idempotent producers or transactions (%s): delivery is "
            "at-least-once; consumers de-duplicate by id",
            type(exc).__name__,
        )
        return False
    finally:
        sender.removeFilter(_no_producer_id_error)
        await probe.stop()
    log.info("exactly-once: idempotent producers and transactions are on")
    return True


def _no_producer_id_error(record: logging.LogRecord) -> bool:
    return "InitProducerIdRequest" not in record.getMessage()


def _admin(settings: CommonSettings) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.kafka_client_id}-admin",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )


async def ensure_topics(settings: CommonSettings) -> list[str]:
    """Create the system's topics that are missing, with their configs; return the names
    created. An existing topic whose config differs is logged (see `topic_drift`)."""
    admin = _admin(settings)
    await start_when_ready(admin, settings.kafka_connect_timeout_s)
    configs = settings.topic_configs()
    try:
        existing = set(await admin.list_topics())
        wanted = [t for t in settings.all_topics() if t not in existing]
        if wanted:
            new = [
                NewTopic(
                    t,
                    settings.topic_partitions,
                    settings.topic_replication_factor,
                    topic_configs=configs[t],
                )
                for t in wanted
            ]
            response = await admin.create_topics(new)
            for topic, code, message in response.topic_errors:
                if code not in (0, TOPIC_ALREADY_EXISTS):
                    raise KafkaError(f"cannot create topic {topic}: {code} {message}")
            log.info("created topics %s with %d partitions", wanted, settings.topic_partitions)
        for problem in await _drift(admin, settings, settings.all_topics()):
            log.warning("topic config differs: %s", problem)
        return wanted
    finally:
        await admin.close()


async def topic_drift(settings: CommonSettings) -> list[str]:
    """Each way an existing topic's config differs from `settings.topic_configs()`."""
    admin = _admin(settings)
    await start_when_ready(admin, settings.kafka_connect_timeout_s)
    try:
        return await _drift(admin, settings, settings.all_topics())
    finally:
        await admin.close()


async def _drift(
    admin: AIOKafkaAdminClient, settings: CommonSettings, topics: list[str]
) -> list[str]:
    if not topics:
        return []
    wanted = settings.topic_configs()
    resources = [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics]
    problems = []
    for response in await admin.describe_configs(resources):
        for code, _message, _type, name, entries in response.resources:
            if code == UNKNOWN_TOPIC:
                continue  # not created (yet): nothing to compare
            if code != 0:
                problems.append(f"{name}: the broker did not report its config ({code})")
                continue
            actual = {entry[0]: entry[1] for entry in entries}
            for key, value in wanted[name].items():
                if actual.get(key) != value:
                    problems.append(f"{name}: {key} is {actual.get(key)!r}, expected {value!r}")
    return problems


async def partitions_of(
    cons: AIOKafkaConsumer, topic: str, timeout_s: float
) -> list[TopicPartition]:
    """The topic's partitions, looking again for a while: Apache Kafka spreads a new
    topic's metadata asynchronously, so one created a moment ago may not be listed yet."""
    deadline = time.monotonic() + timeout_s
    while True:
        # The consumer's own metadata only follows what it subscribed to, and `topics()`
        # does not update it: read the partitions from a fresh fetch.
        cluster = await cons._client.fetch_all_metadata()
        partitions = cluster.partitions_for_topic(topic) or set()
        if partitions:
            return [TopicPartition(topic, p) for p in sorted(partitions)]
        if time.monotonic() > deadline:
            raise RuntimeError(f"topic {topic} does not exist")
        await asyncio.sleep(0.2)


def lag(cons: AIOKafkaConsumer, tp: TopicPartition, position: int) -> int | None:
    """Messages behind the high watermark; None until the first fetch told us it."""
    high = cons.highwater(tp)
    return None if high is None else max(high - position, 0)


def lag_recorder(gauge: Gauge) -> Callable[[TopicPartition, int], None]:
    """A callback setting `gauge{topic, partition}` to a partition's lag (every service's
    consumer-lag gauge has those two labels)."""

    def record(tp: TopicPartition, lag: int) -> None:
        gauge.labels(tp.topic, str(tp.partition)).set(lag)

    return record


def header(headers: Any, name: str) -> str | None:
    """One header's value as text, from aiokafka's sequence of (key, bytes)."""
    for key, value in headers or ():
        if key == name and value is not None:
            return bytes(value).decode("utf-8", "replace")
    return None


async def poll(
    cons: AIOKafkaConsumer, stop: asyncio.Event, timeout_ms: int, max_records: int | None = None
) -> dict[Any, list[Any]]:
    """Every consumer loop's fetch: up to `max_records`, waiting at most `timeout_ms`, and
    nothing as soon as `stop` is set (so every loop stops the same way, promptly)."""
    return await unless_stopped(cons.getmany(timeout_ms=timeout_ms, max_records=max_records), stop)


async def unless_stopped(
    fetch: Awaitable[dict[Any, list[Any]]], stop: asyncio.Event
) -> dict[Any, list[Any]]:
    """The fetch's result, or nothing as soon as `stop` is set (a group join can take seconds)."""
    task = asyncio.ensure_future(fetch)
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if task.done():
        return task.result()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return {}
