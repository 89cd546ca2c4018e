"""`wirewatch run --broker kafka --data-dir DIR`: alerts and webhooks outlive a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.core.broker import free_port
from services.core.kafka_broker import DEFAULT_LIB
from tests.conftest import SAMPLE_JSON

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]
ADMIN = "admin-key-1234567890"


def _run(data: Path, log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "services.cli", "run", "--no-samples"),
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
