"""The whole system as processes (`wirewatch run`), driven over HTTP and Kafka like a user."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import SAMPLE_JSON, SAMPLES
from tests.e2e.system import Receiver, System, start_system
from tests.helpers import produce, read_topic
from wirewatch.core.broker import EmbeddedBroker
from wirewatch.core.kafka_broker import KafkaBroker

pytestmark = pytest.mark.e2e


@pytest.fixture
def embedded_system(tmp_path: Path, broker_kind: str) -> Iterator[System]:
    """`wirewatch run` with nothing configured: it starts its own broker (Tansu; with
    `--broker kafka`, `wirewatch run --broker kafka` on a fresh data directory)."""
    kafka = ("--broker", "kafka", "--data-dir", str(tmp_path / "kafka"))
    yield from start_system(tmp_path, {}, kafka if broker_kind == "kafka" else ())


def test_sample_article_alerts_once_and_stops_cleanly(embedded_system: System) -> None:
    system = embedded_system
    article = orjson.loads(SAMPLE_JSON.read_bytes())
    first = httpx.post(f"{system.ingest}/v1/articles", json=article, timeout=30)
    assert first.status_code == 202, first.text
    assert first.json()["accepted"] == 1
    article_id = first.json()["articles"][0]["id"]

    alerts = system.wait_alerts(article_id)
    violence = [a for a in alerts if a["rule_id"] == "libya-actor-violence"]
    assert violence, alerts
    terms = {m["text"].lower() for m in violence[0]["matches"]}
    assert "attack" in terms

    again = httpx.post(f"{system.ingest}/v1/articles", json=article, timeout=30)
    assert again.json()["duplicates"] == 1
    time.sleep(3)  # time enough for a second enrichment to show, were there one
    assert len(system.alerts_for(article_id)) == len(alerts)
    rules = [a["rule_id"] for a in system.alerts_for(article_id)]
    assert len(rules) == len(set(rules))

    metrics = httpx.get(
        f"http://127.0.0.1:{system.env['WIREWATCH_ENRICH_METRICS_PORT']}/metrics"
    ).text
    assert 'wirewatch_enrich_messages_total{outcome="enriched"} 1.0' in metrics
    assert "wirewatch_enrich_end_to_end_seconds_count" in metrics
    for port in ("WIREWATCH_API_PORT", "WIREWATCH_INGEST_PORT", "WIREWATCH_ENRICH_METRICS_PORT"):
        exposition = httpx.get(f"http://127.0.0.1:{system.env[port]}/metrics").text
        lint = subprocess.run(
            ["promtool", "check", "metrics"], input=exposition, capture_output=True, text=True
        )
        assert (lint.returncode, lint.stdout + lint.stderr) == (0, ""), port

    system.proc.send_signal(signal.SIGTERM)
    assert system.proc.wait(60) == 0
    assert "stopped" in system.log.read_text()


@pytest.fixture
def broker_and_system(
    tmp_path: Path, broker_kind: str
) -> Iterator[tuple[EmbeddedBroker | KafkaBroker, System]]:
    """`wirewatch run` pointed at a broker we started (WIREWATCH_KAFKA_BOOTSTRAP_SERVERS)."""
    own = KafkaBroker(tmp_path / "kafka") if broker_kind == "kafka" else EmbeddedBroker()
    with own as broker:
        env = {"WIREWATCH_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers}
        for system in start_system(tmp_path, env):
            yield broker, system


def test_malformed_raw_message_is_dead_lettered_and_the_next_article_enriched(
    broker_and_system: tuple[EmbeddedBroker | KafkaBroker, System],
) -> None:
    broker, system = broker_and_system
    bootstrap = broker.bootstrap_servers
    raw, dlq, enriched = (
        "wirewatch.articles.raw.v1",
        "wirewatch.dlq.v1",
        "wirewatch.articles.enriched.v1",
    )
    asyncio.run(produce(bootstrap, raw, b'{"text": "no id, no schema"}', b"k"))
    response = httpx.post(
        f"{system.ingest}/v1/articles", content=SAMPLE_JSON.read_bytes(), timeout=30
    )
    article_id = response.json()["articles"][0]["id"]
    assert system.wait_alerts(article_id)

    [dead] = asyncio.run(read_topic(bootstrap, dlq, want=1))
    headers = dict(dead.headers)
    assert headers["wirewatch-dlq-reason"] == b"invalid_message"
    assert headers["wirewatch-source-topic"] == raw.encode()
    assert dead.value == b'{"text": "no id, no schema"}'

    [published] = asyncio.run(read_topic(bootstrap, enriched, want=1))
    from_service = orjson.loads(published.value)
    assert from_service["id"] == article_id
    analyzed = subprocess.run(
        [sys.executable, "-m", "wirewatch.cli", "analyze", str(SAMPLE_JSON)],
        capture_output=True,
        check=True,
    )
    from_cli = orjson.loads(analyzed.stdout)
    for key in ("id", "entities", "actors", "alerts", "models"):
        assert from_cli[key] == from_service[key], key
    # The same article as plain text (first line the title) is the same article.
    from_text = orjson.loads(_cli("analyze", str(SAMPLES / "libya-gna-haftar.txt")))
    assert from_text["source"] == "libya-gna-haftar.txt"
    for key in ("id", "title", "entities", "actors"):
        assert from_text[key] == from_service[key], key


def _cli(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "wirewatch.cli", *args], capture_output=True, check=True, text=True
    )
    return done.stdout


def test_replay_and_post_report_accepted_then_duplicates(
    broker_and_system: tuple[EmbeddedBroker | KafkaBroker, System],
) -> None:
    _, system = broker_and_system
    demo = str(SAMPLES / "wikinews-demo.jsonl")
    assert "accepted 25, duplicate 0, rejected 0" in _cli("replay", demo, "--url", system.ingest)
    assert "accepted 0, duplicate 25, rejected 0" in _cli("replay", demo, "--url", system.ingest)
    posted = orjson.loads(_cli("post", str(SAMPLE_JSON), "--url", system.ingest))
    assert posted["accepted"] == 1
    # The .txt form of the same article has the same title and text, hence the same id.
    text_form = orjson.loads(
        _cli("post", str(SAMPLES / "libya-gna-haftar.txt"), "--url", system.ingest)
    )
    assert text_form["duplicates"] == 1
    assert text_form["articles"][0]["id"] == posted["articles"][0]["id"]


def test_three_copies_of_a_wire_story_give_one_alert_with_two_related(
    broker_and_system: tuple[EmbeddedBroker | KafkaBroker, System],
) -> None:
    _, system = broker_and_system
    wire = (
        "Rebel forces fired rockets at the airport of Tripoli on Tuesday, officials said. "
        "The Government of National Accord condemned the attack and blamed Khalifa Haftar."
    )
    copies = [wire, wire.replace("Tuesday", "Tuesday night"), wire + " More follows."]
    ids = []
    for n, text in enumerate(copies):
        answer = httpx.post(
            f"{system.ingest}/v1/articles", json={"text": text, "source": f"wire{n}"}, timeout=30
        )
        ids.append(answer.json()["articles"][0]["id"])
    assert len(set(ids)) == 3  # light edits: three different articles

    # The copies sit on different partitions, so any of them may be enriched first.
    deadline = time.monotonic() + 60
    alerts: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        alerts = [a for i in ids for a in system.alerts_for(i)]
        if alerts and all(a.get("related_count") == 2 for a in alerts):
            break
        time.sleep(0.3)
    rules = [a["rule_id"] for a in alerts]
    assert "armed-violence" in rules
    assert len(rules) == len(set(rules)), rules  # one alert per rule for the story
    for alert in alerts:
        assert alert["related_count"] == 2, alert
        assert {alert["article_id"], *(r["article_id"] for r in alert["related"])} == set(ids)


ADMIN_KEY = "e2e-admin-key-0123456789"


def _follow(url: str, events: list[tuple[float, dict[str, Any]]], stop: threading.Event) -> None:
    # Heartbeats come every 15 s, so a 60 s read timeout only fires on a dead stream.
    with contextlib.suppress(httpx.HTTPError), httpx.stream("GET", url, timeout=60) as response:
        for line in response.iter_lines():
            if line.startswith("data: "):
                events.append((time.monotonic(), orjson.loads(line[6:])))
            if stop.is_set():
                return


def test_sse_client_and_webhook_get_the_alert_quickly(tmp_path: Path) -> None:
    keys = orjson.dumps({ADMIN_KEY: ["admin"]}).decode()
    for system in start_system(tmp_path, {"WIREWATCH_API_KEYS": keys}):
        with Receiver() as receiver:
            hook = {
                "url": f"http://127.0.0.1:{receiver.port}/hook",
                "secret": "e2e-shared-secret-0123",
            }
            created = httpx.post(
                f"{system.api}/v1/webhooks", json=hook, headers={"X-API-Key": ADMIN_KEY}
            )
            assert created.status_code == 201, created.text
            deadline = time.monotonic() + 60
            while httpx.get(f"{system.api}/readyz").json().get("webhook_dispatch") != "assigned":
                assert time.monotonic() < deadline
                time.sleep(0.2)
            events: list[tuple[float, dict[str, Any]]] = []
            stop = threading.Event()
            follower = threading.Thread(
                target=_follow, args=(f"{system.api}/v1/alerts/stream", events, stop), daemon=True
            )
            follower.start()
            time.sleep(0.5)  # connected and listening
            posted = time.monotonic()
            answer = httpx.post(f"{system.ingest}/v1/articles", content=SAMPLE_JSON.read_bytes())
            article_id = answer.json()["articles"][0]["id"]
            while time.monotonic() < posted + 30 and not (events and receiver.received):
                time.sleep(0.05)
            stop.set()
        # Both routes deliver the alert (how fast is `make bench-stream`'s question, not a test's).
        assert [a for _, a in events if a["article_id"] == article_id], events
        hooks = [r for r in receiver.received if orjson.loads(r[1])["article_id"] == article_id]
        assert hooks, receiver.received
        assert hooks[0][2]["webhook-signature"].startswith("v1,")
