"""A real Prometheus scrapes the running services; every dashboard query and recording rule
returns data through its HTTP API, and every rule evaluates without error."""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml

from deploy.grafana import build
from tests.conftest import REPO, SAMPLE_JSON
from tests.e2e.system import Receiver, System, start_system
from tests.helpers import produce
from wirewatch.core.broker import EmbeddedBroker, free_port

pytestmark = pytest.mark.e2e
ADMIN = "prom-e2e-admin-key-0123456789"
WRITER = "prom-e2e-writer-key-0123456789"
# Grafana's $__rate_interval is at least four scrapes; the whole test fits in this window.
RATE_INTERVAL = "5m"
RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    "<item><title>Feed story</title><link>http://example.org/feed-story</link>"
    "<guid>feed-story-1</guid><description>Officials in Geneva met on Tuesday to discuss "
    "the trade talks with ministers from France and Germany.</description></item>"
    "</channel></rss>"
)


class _Feed(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = RSS.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@contextlib.contextmanager
def _feed_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _Feed)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/rss.xml"
    finally:
        server.shutdown()


def _config(tmp: Path, system: System) -> Path:
    """deploy/prometheus/prometheus.yml with the local ports and a 1 s scrape interval."""
    config = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    ports = {
        "wirewatch-ingest": system.env["WIREWATCH_INGEST_PORT"],
        "wirewatch-enrich": system.env["WIREWATCH_ENRICH_METRICS_PORT"],
        "wirewatch-api": system.env["WIREWATCH_API_PORT"],
    }
    assert {j["job_name"] for j in config["scrape_configs"]} == set(ports)
    config["global"] = {"scrape_interval": "1s", "evaluation_interval": "1s"}
    config["rule_files"] = [str(REPO / "deploy" / "prometheus" / r) for r in config["rule_files"]]
    config["scrape_configs"] = [
        {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{port}"]}]}
        for job, port in ports.items()
    ]
    path = tmp / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    return path


@contextlib.contextmanager
def _prometheus(tmp: Path, config: Path) -> Iterator[str]:
    assert shutil.which("prometheus"), "no prometheus binary: `make tools` installs it"
    port = free_port()
    log = (tmp / "prometheus.log").open("wb")
    proc = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: _up(base) == 3, 60, "all three targets up")
        yield base
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()


def _query(base: str, expr: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{base}/api/v1/query", params={"query": expr}).json()
    assert answer["status"] == "success", (expr, answer)
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


def _up(base: str) -> int:
    # Until it is ready, Prometheus answers 503 in plain text.
    with contextlib.suppress(httpx.HTTPError, ValueError):
        return sum(r["value"][1] == "1" for r in _query(base, 'up{job=~"wirewatch-.*"}'))
    return 0


def _until(check: Any, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def _traffic(system: System, receiver: Receiver, feed_url: str) -> None:
    """Exercise every path a panel shows: alert, duplicate, reject, DLQ, webhook, feed, SSE."""
    admin = {"X-API-Key": ADMIN}
    hook = {"url": f"http://127.0.0.1:{receiver.port}/hook", "secret": "prom-e2e-secret-0123"}
    created = httpx.post(f"{system.api}/v1/webhooks", json=hook, headers=admin)
    assert created.status_code == 201, created.text
    _until(
        lambda: httpx.get(f"{system.api}/readyz").json().get("webhook_dispatch") == "assigned",
        60,
        "webhook dispatch",
    )
    feed = {"name": "local", "url": feed_url, "interval_s": 1}
    added = httpx.post(f"{system.ingest}/v1/feeds", json=feed, headers=admin)
    assert added.status_code == 201, added.text
    writer = {"X-API-Key": WRITER, "Content-Type": "application/json"}
    article = SAMPLE_JSON.read_bytes()
    for _ in range(2):  # accepted, then duplicate
        answer = httpx.post(f"{system.ingest}/v1/articles", content=article, headers=writer)
        assert answer.status_code == 202, answer.text
    empty = httpx.post(f"{system.ingest}/v1/articles", json={}, headers=writer)
    assert empty.status_code == 422, empty.text
    bootstrap = system.env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"]
    asyncio.run(produce(bootstrap, "wirewatch.articles.raw.v1", b"not json", b"k"))
    with httpx.stream("GET", f"{system.api}/v1/alerts/stream", timeout=5) as stream:
        next(stream.iter_lines())  # a client on the stream while Prometheus scrapes
        time.sleep(1.5)
    _until(lambda: receiver.received, 30, "a webhook delivery")


def _checks() -> list[tuple[str, str]]:
    checks = [
        (f"{name}/{panel['title']}", target["expr"].replace("$__rate_interval", RATE_INTERVAL))
        for name, dashboard in build.DASHBOARDS.items()
        for panel in dashboard["panels"]
        for target in panel["targets"]
    ]
    for path in (REPO / "deploy" / "prometheus" / "rules").glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            checks += [
                (f"rule {r['record']}", r["record"]) for r in group["rules"] if "record" in r
            ]
    return checks


def _missing(base: str, checks: list[tuple[str, str]]) -> list[str]:
    missing = []
    for where, expr in checks:
        values = [float(r["value"][1]) for r in _query(base, expr)]
        if not any(math.isfinite(v) for v in values):
            missing.append(f"{where}: {expr} -> {values}")
    return missing


def _rule_errors(base: str) -> dict[str, Any]:
    """Rules (recording and alerting) whose last evaluation failed, with the error."""
    groups = httpx.get(f"{base}/api/v1/rules").json()["data"]["groups"]
    rules = [r for g in groups for r in g["rules"]]
    assert len(rules) >= 10
    return {r["name"]: r.get("lastError") for r in rules if r["health"] != "ok"}


def test_every_panel_and_recording_rule_returns_data(tmp_path: Path) -> None:
    env = {
        "WIREWATCH_API_KEYS": orjson.dumps({ADMIN: ["admin"]}).decode(),
        "WIREWATCH_INGEST_API_KEYS": orjson.dumps({ADMIN: ["admin"], WRITER: ["write"]}).decode(),
        "WIREWATCH_KAFKA_BOOTSTRAP_SERVERS": "",  # set below, from the broker we start
    }
    with EmbeddedBroker() as broker, _feed_server() as feed_url, Receiver() as receiver:
        env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"] = broker.bootstrap_servers
        for system in start_system(tmp_path, env):
            with _prometheus(tmp_path, _config(tmp_path, system)) as prom:
                _traffic(system, receiver, feed_url)
                checks = _checks()
                # Scrapes and rule evaluations run every second: wait until all have data.
                deadline = time.monotonic() + 60
                while (missing := _missing(prom, checks)) and time.monotonic() < deadline:
                    time.sleep(1)
                assert missing == []
                assert _rule_errors(prom) == {}
                top = _query(prom, "wirewatch_api_top_actor_mentions")
                assert "Khalifa Haftar" in {r["metric"]["actor"] for r in top}
                haftar = 'wirewatch_api_top_actor_sentiment{actor="Khalifa Haftar"}'
                assert float(_query(prom, haftar)[0]["value"][1]) < 0
