"""`wirewatch run --broker kafka --data-dir DIR`: alerts and webhooks outlive a restart."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.conftest import REPO, SAMPLE_JSON
from tests.e2e.system import enriched_count, post_ndjson
from tests.helpers import read_topic
from wirewatch.core.broker import free_port
from wirewatch.core.failpoints import EXIT_CODE
from wirewatch.core.kafka_broker import DEFAULT_LIB

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]
ADMIN = "admin-key-1234567890"


def _run(data: Path, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "wirewatch.cli", "run", "--no-samples"),
                *("--broker", "kafka", "--data-dir", str(data)),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 180
    while "wirewatch is running" not in log.read_text():
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)
    return proc


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(90) == 0


def _alerts(api: str) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = httpx.get(f"{api}/v1/alerts").json()["alerts"]
    return alerts


def test_alerts_and_webhooks_survive_a_restart_on_the_same_data_dir(tmp_path: Path) -> None:
    if not any(DEFAULT_LIB.glob("kafka_2.13-*.jar")):
        pytest.fail("Apache Kafka is not installed: run `make kafka`")
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    ports = {name: free_port() for name in ("API", "INGEST", "ENRICH_METRICS")}
    env.update({f"WIREWATCH_{name}_PORT": str(port) for name, port in ports.items()})
    env.update(WIREWATCH_API_KEYS=f'{{"{ADMIN}": ["admin"]}}', PYTHONUNBUFFERED="1")
    api, ingest = f"http://127.0.0.1:{ports['API']}", f"http://127.0.0.1:{ports['INGEST']}"
    data = tmp_path / "kafka-data"
    proc = _run(data, tmp_path / "first.log", env)
    try:
        posted = httpx.post(f"{ingest}/v1/articles", content=SAMPLE_JSON.read_bytes(), timeout=30)
        assert posted.status_code == 202
        deadline = time.monotonic() + 60
        while not _alerts(api) and time.monotonic() < deadline:
            time.sleep(0.3)
        before = sorted(a["id"] for a in _alerts(api))
        hook = {"url": "http://127.0.0.1:9/hook", "secret": "a-long-shared-secret-1234"}
        created = httpx.post(f"{api}/v1/webhooks", json=hook, headers={"X-API-Key": ADMIN})
        assert created.status_code == 201, created.text
    finally:
        _stop(proc)
    assert before  # the sample article raises alerts
    proc = _run(data, tmp_path / "second.log", env)
    try:
        after = sorted(a["id"] for a in _alerts(api))
        hooks = httpx.get(f"{api}/v1/webhooks", headers={"X-API-Key": ADMIN}).json()
        again = httpx.post(f"{ingest}/v1/articles", content=SAMPLE_JSON.read_bytes(), timeout=30)
    finally:
        _stop(proc)
    assert after == before
    assert [h["id"] for h in hooks] == [created.json()["id"]]
    assert again.json()["duplicates"] == 1  # ingest's de-duplication state came back too


def _articles(n: int) -> list[dict[str, Any]]:
    """`n` distinct short articles made of sentences of the bundled demo articles."""
    import random

    demo = REPO / "services" / "data" / "samples" / "wikinews-demo.jsonl"
    sentences = [
        s.strip() + "."
        for line in demo.read_bytes().splitlines()
        for s in orjson.loads(line)["text"].split(". ")
        if 40 < len(s) < 300
    ]
    rng = random.Random(13)
    return [
        {"id": f"eos-{i}", "title": f"Report {i}", "text": " ".join(rng.sample(sentences, 3))}
        for i in range(n)
    ]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("exactly_once", ["on", "off"])
def test_enrich_crashing_between_outputs_and_commit(tmp_path: Path, exactly_once: str) -> None:
    """Enrich dies (as with kill -9) after a batch's outputs are sent and before its offsets
    are committed, in the middle of 300 articles; the launcher restarts it.

    With exactly-once (Kafka's default) outputs and offsets are one transaction: a
    read_committed consumer sees every accepted article on the enriched topic once.
    Without it (`off`, the only mode on Tansu) the restarted worker repeats the batch:
    every article is there, some twice, and consumers de-duplicate by id."""
    if not any(DEFAULT_LIB.glob("kafka_2.13-*.jar")):
        pytest.fail("Apache Kafka is not installed: run `make kafka`")
    failpoints = tmp_path / "failpoints"
    failpoints.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    ports = {name: free_port() for name in ("API", "INGEST", "ENRICH_METRICS")}
    env.update({f"WIREWATCH_{name}_PORT": str(port) for name, port in ports.items()})
    env.update(
        PYTHONUNBUFFERED="1",
        WIREWATCH_KAFKA_EXACTLY_ONCE=exactly_once,
        WIREWATCH_FAILPOINTS_DIR=str(failpoints),
    )
    ingest = f"http://127.0.0.1:{ports['INGEST']}"
    metrics_url = f"http://127.0.0.1:{ports['ENRICH_METRICS']}/metrics"
    log = tmp_path / "run.log"
    proc = _run(tmp_path / "kafka-data", log, env)
    try:
        accepted = post_ndjson(ingest, _articles(300), per_request=50)
        deadline = time.monotonic() + 120
        while enriched_count(metrics_url) < 40:  # mid-way: some batches done, more to come
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)
        (failpoints / "enrich-before-commit").touch()
        bootstrap = next(
            line.split()[-1] for line in log.read_text().splitlines() if "Kafka  " in line
        )
        seen = _read_until_all(bootstrap, accepted, log)
    finally:
        _stop(proc)
    text = log.read_text()
    assert "failpoint enrich-before-commit: exiting now" in text
    assert f"enrich exited with code {EXIT_CODE}; restarting it" in text
    keys = sorted(r.key.decode() for r in seen)
    assert len(accepted) == 300
    assert sorted(set(keys)) == sorted(accepted)  # nothing lost either way
    if exactly_once == "on":
        assert len(keys) == len(accepted)  # and nothing twice
    else:
        assert len(keys) > len(accepted)  # the uncommitted batch came again


def _read_until_all(bootstrap: str, accepted: set[str], log: Path) -> list[Any]:
    """Committed records of the enriched topic once every accepted id is there, read on
    past the last one so that a repeated batch would show."""
    topic = "wirewatch.articles.enriched.v1"
    deadline = time.monotonic() + 300
    while True:
        seen = asyncio.run(read_topic(bootstrap, topic, want=len(accepted), timeout_s=20))
        if len({r.key for r in seen}) >= len(accepted):
            break
        assert time.monotonic() < deadline, log.read_text()[-3000:]
    return asyncio.run(read_topic(bootstrap, topic, want=10 * len(accepted), timeout_s=10))
