"""Shared fixtures: the real embedded broker, unique names, the spaCy-backed analyzer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.core.analysis.pipeline import Analyzer
from services.core.broker import EmbeddedBroker
from services.core.settings import CommonSettings

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "services" / "data" / "samples"
SAMPLE_JSON = SAMPLES / "libya-gna-haftar.json"


@pytest.fixture(scope="session")
def broker() -> Iterator[EmbeddedBroker]:
    """One Tansu broker for the session; tests keep apart by unique topic and group names."""
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
def common(broker: EmbeddedBroker, topics: dict[str, Any]) -> CommonSettings:
    return CommonSettings(kafka_bootstrap_servers=broker.bootstrap_servers, **topics)


@pytest.fixture(scope="session")
def analyzer() -> Analyzer:
    return Analyzer.load()


@pytest.fixture(scope="session")
def sample_article() -> dict[str, Any]:
    import orjson

    article: dict[str, Any] = orjson.loads(SAMPLE_JSON.read_bytes())
    return article
