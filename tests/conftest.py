"""Shared fixtures: the real broker (Tansu, or Apache Kafka with `--broker kafka`), unique
names, the spaCy-backed analyzer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.core.analysis.pipeline import Analyzer
from services.core.broker import EmbeddedBroker
from services.core.kafka_broker import DEFAULT_LIB, KafkaBroker
from services.core.settings import CommonSettings

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "services" / "data" / "samples"
SAMPLE_JSON = SAMPLES / "libya-gna-haftar.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--broker",
        choices=("tansu", "kafka"),
        default="tansu",
        help="the broker of the integration and end-to-end tests (kafka: `make kafka` first)",
    )


@pytest.fixture(scope="session")
def broker_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.config.getoption("--broker")
    return kind


def kafka_installed() -> None:
    if not any(DEFAULT_LIB.glob("kafka_2.13-*.jar")):
        pytest.fail("Apache Kafka is not installed: run `make kafka`")


@pytest.fixture(scope="session")
def broker(
    broker_kind: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmbeddedBroker | KafkaBroker]:
    """One broker for the session; tests keep apart by unique topic and group names."""
    if broker_kind == "kafka":
        kafka_installed()
        with KafkaBroker(tmp_path_factory.mktemp("kafka-session")) as kafka_broker:
            yield kafka_broker
        return
    with EmbeddedBroker() as b:
        yield b


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
def topics(unique: str) -> dict[str, Any]:
    """Topic settings unique to one test."""
    return {
        "topic_raw": f"raw.{unique}",
        "topic_enriched": f"enriched.{unique}",
        "topic_alerts": f"alerts.{unique}",
        "topic_dlq": f"dlq.{unique}",
        "topic_webhooks": f"webhooks.{unique}",
        "topic_feeds": f"feeds.{unique}",
        "topic_feed_state": f"feed-state.{unique}",
        "topic_partitions": 2,
    }


@pytest.fixture
def common(broker: EmbeddedBroker | KafkaBroker, topics: dict[str, Any]) -> CommonSettings:
    return CommonSettings(kafka_bootstrap_servers=broker.bootstrap_servers, **topics)


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer.load()


@pytest.fixture(scope="session")
def sample_article() -> dict[str, Any]:
    import orjson

    article: dict[str, Any] = orjson.loads(SAMPLE_JSON.read_bytes())
    return article
