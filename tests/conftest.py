"""Shared fixtures: the real broker (Tansu, or Apache Kafka with `--broker kafka`), unique
names, the spaCy-backed analyzer."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.broker import EmbeddedBroker
from wirewatch.core.kafka_broker import DEFAULT_LIB, KafkaBroker
from wirewatch.core.settings import CommonSettings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_data(relative: str) -> Path:
    """A path under ../shared (beside the checkout, as in CI): skipped where it is absent,
    except under CI (`CI` set, as .ci/run does), where a missing folder is a failure."""
    path = SHARED / relative
    if not path.exists():
        message = f"needs ../shared/{relative}"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run this test", pytrace=False)
        pytest.skip(message)
    return path


SAMPLES = REPO / "services" / "data" / "samples"
SAMPLE_JSON = SAMPLES / "libya-gna-haftar.json"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--broker",
        choices=("tansu", "kafka"),
        default="tansu",
        help="the broker of the integration and end-to-end tests (kafka: `make kafka` first)",
    )
    parser.addoption(
        "--reliability",
        choices=("short", "full"),
        default="short",
        help="sizes of the fault-injection suite: short (in `make test`) or full",
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
def nlp() -> Any:
    """The spaCy pipeline alone (loaded once per process)."""
    from wirewatch.core.analysis.entities import nlp

    return nlp.load()


@pytest.fixture(scope="session")
def sample_article() -> dict[str, Any]:
    import orjson

    article: dict[str, Any] = orjson.loads(SAMPLE_JSON.read_bytes())
    return article


# The fault-injection suite's results: any test may add its row (see tests/reliability).
RESULTS = REPO / ".bench" / "reliability"
Record = Callable[[str, str], dict[str, Any]]


@pytest.fixture(scope="session")
def full(request: pytest.FixtureRequest) -> bool:
    """The full form (`--reliability full`): sizes and durations of the issue's rules."""
    return bool(request.config.getoption("--reliability") == "full")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[Any]:
    outcome: Any = yield
    report = outcome.get_result()
    if report.when == "call":
        item.stash[_OUTCOME] = report.outcome


_OUTCOME = pytest.StashKey[str]()


@pytest.fixture
def record(request: pytest.FixtureRequest, broker_kind: str, full: bool) -> Iterator[Record]:
    """`figures = record(name, rule)` at a test's start: its row in the results table,
    with the figures the test fills in as it measures (kept even when it fails)."""
    row: dict[str, Any] = {}

    def start(name: str, rule: str) -> dict[str, Any]:
        figures: dict[str, Any] = {}
        row.update(name=name, rule=rule, figures=figures)
        return figures

    yield start
    if row:
        row.update(
            test=request.node.name,
            broker=broker_kind,
            form="full" if full else "short",
            result=request.node.stash.get(_OUTCOME, "failed"),
        )
        RESULTS.mkdir(parents=True, exist_ok=True)
        path: Path = RESULTS / f"{broker_kind}-{'full' if full else 'short'}.jsonl"
        with path.open("a") as out:
            out.write(json.dumps(row) + "\n")
