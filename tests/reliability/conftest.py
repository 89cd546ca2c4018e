"""The fault-injection suite: each test states its pass rule and records what it measured
(the `record` and `full` fixtures live in tests/conftest.py, so tests elsewhere that
prove a rule of the suite record their row too).

`pytest tests/reliability` runs the short form (part of `make test`);
`make test-reliability` runs the full form on Tansu and on Apache Kafka and writes the
results table into docs/reliability.md (`python -m tests.reliability.report`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.system import System, start_system
from wirewatch.core.broker import EmbeddedBroker
from wirewatch.core.kafka_broker import KafkaBroker


@pytest.fixture
def system(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    broker: EmbeddedBroker | KafkaBroker,
    topics: dict[str, Any],
    unique: str,
) -> Iterator[System]:
    """`wirewatch run --enrich-workers 2` on the session's broker, with its own topics
    (indirect parameters: `workers`, and `env` added to the environment)."""
    options: dict[str, Any] = getattr(request, "param", {})
    env = {f"WIREWATCH_{k.upper()}": str(v) for k, v in topics.items()}
    env.update(
        WIREWATCH_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
        WIREWATCH_TOPIC_PARTITIONS="4",
        WIREWATCH_ENRICH_GROUP_ID=f"enrich.{unique}",
        WIREWATCH_API_WEBHOOK_GROUP_ID=f"hooks.{unique}",
        WIREWATCH_INGEST_FEED_GROUP_ID=f"feeds.{unique}",
        WIREWATCH_INGEST_RATE_LIMIT_PER_S="100000",
        WIREWATCH_INGEST_RATE_LIMIT_BURST="100000",
        WIREWATCH_FAILPOINTS_DIR=str(tmp_path),
        **options.get("env", {}),
    )
    workers = str(options.get("workers", 2))
    yield from start_system(tmp_path, env, ("--enrich-workers", workers))
