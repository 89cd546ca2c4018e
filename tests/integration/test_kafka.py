"""On Apache Kafka (`make kafka`): topic configs as a contract, and data that survives a restart.

Tansu records topic configs without enforcing them and keeps nothing across a restart;
these tests say what is expected on Kafka, where users run wirewatch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from tests.helpers import produce
from wirewatch.core import kafka
from wirewatch.core.kafka_broker import DEFAULT_LIB, KafkaBroker
from wirewatch.core.settings import CommonSettings
from wirewatch.core.tail import TopicTail

pytestmark = [pytest.mark.integration, pytest.mark.kafka]


@pytest.fixture(scope="module")
def kafka_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not any(DEFAULT_LIB.glob("kafka_2.13-*.jar")):
        pytest.fail("Apache Kafka is not installed: run `make kafka`")
    return tmp_path_factory.mktemp("kafka-data")


@pytest.fixture(scope="module")
def apache_kafka(kafka_dir: Path) -> Iterator[KafkaBroker]:
    with KafkaBroker(kafka_dir) as broker:
        yield broker


def _settings(broker: KafkaBroker, topics: dict[str, Any]) -> CommonSettings:
    return CommonSettings(kafka_bootstrap_servers=broker.bootstrap_servers, **topics)


async def test_store_topics_are_compacted_and_data_topics_keep_a_set_retention(
    apache_kafka: KafkaBroker, topics: dict[str, Any]
) -> None:
    settings = _settings(apache_kafka, topics)
    created = await kafka.ensure_topics(settings)
    assert sorted(created) == sorted(settings.all_topics())
    assert await kafka.topic_drift(settings) == []
    # The same names with another retention: every data topic is reported, stores are not.
    other = settings.model_copy(update={"topic_retention_ms": 3_600_000})
    drift = await kafka.topic_drift(other)
    data_topics = [t for t in settings.all_topics() if t not in settings.store_topics()]
    assert sorted(p.split(":")[0] for p in drift) == sorted(data_topics)
    assert all("retention.ms is '2592000000', expected '3600000'" in p for p in drift)


async def _until_described(admin: AIOKafkaAdminClient, topic: str) -> None:
    """The broker answers for a new topic only once the controller's metadata reached it;
    until then ensure_topics would not see it and the drift check would skip it (a flake
    seen once under load)."""
    resource = ConfigResource(ConfigResourceType.TOPIC, topic)
    for _ in range(100):
        (response,) = await admin.describe_configs([resource])
        if all(code == 0 for code, *_ in response.resources):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the broker never described {topic}")


async def test_a_store_topic_made_by_hand_without_compaction_is_reported(
    apache_kafka: KafkaBroker, topics: dict[str, Any]
) -> None:
    settings = _settings(apache_kafka, topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=apache_kafka.bootstrap_servers)
    await admin.start()
    try:
        # create_topics reports errors in its answer rather than raising: retry until the
        # hand-made topic exists, so ensure_topics cannot be the one to create it.
        for _ in range(50):
            answer = await admin.create_topics([NewTopic(settings.topic_webhooks, 1, 1)])
            if all(code in (0, 36) for _, code, *_ in answer.topic_errors):  # 36: exists
                break
            await asyncio.sleep(0.2)
        else:
            raise AssertionError(f"could not create the topic: {answer.topic_errors}")
        await _until_described(admin, settings.topic_webhooks)
    finally:
        await admin.close()
    await kafka.ensure_topics(settings)
    drift = await kafka.topic_drift(settings)
    assert drift == [f"{settings.topic_webhooks}: cleanup.policy is 'delete', expected 'compact'"]


def test_records_survive_a_broker_restart_on_the_same_directory(
    kafka_dir: Path, topics: dict[str, Any], apache_kafka: KafkaBroker
) -> None:
    """The module's broker is stopped and started again on its directory, same port."""
    settings = _settings(apache_kafka, topics)
    asyncio.run(kafka.ensure_topics(settings))
    bootstrap = apache_kafka.bootstrap_servers
    asyncio.run(produce(bootstrap, settings.topic_feeds, b'{"name": "kept"}', b"kept"))
    apache_kafka.stop()
    apache_kafka.start()
    assert apache_kafka.bootstrap_servers == bootstrap
    seen: list[bytes] = []

    async def read_back() -> None:
        stop = asyncio.Event()
        tail = TopicTail(settings, settings.topic_feeds, lambda r: seen.append(r.value))
        task = asyncio.create_task(tail.run(stop))
        await asyncio.wait_for(tail.caught_up.wait(), 60)
        stop.set()
        await asyncio.wait_for(task, 30)

    asyncio.run(read_back())
    assert seen == [b'{"name": "kept"}']
