"""The enrich worker's /readyz tells the truth: not ready until loaded and in its group."""

from __future__ import annotations

from typing import Any

import httpx
import orjson

from wirewatch.enrich import health, metrics


def _get(app: Any, path: str) -> tuple[str, bytes]:
    seen: dict[str, str] = {}

    def start(status: str, headers: list[tuple[str, str]]) -> None:
        seen["status"] = status

    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, start))
    return seen["status"], body


def test_ready_only_when_loaded_and_joined_and_not_stopping() -> None:
    readiness = health.Readiness()
    app = health.app(readiness)
    status, body = _get(app, "/readyz")
    assert status.startswith("503")
    assert orjson.loads(body)["why"] == ["analysis models loading", "consumer group not joined"]
    readiness.analysis_loaded = True
    assert _get(app, "/readyz")[0].startswith("503")
    readiness.group_joined = True
    assert _get(app, "/readyz") == ("200 OK", b'{"status":"ready"}')
    readiness.stopping = True
    assert orjson.loads(_get(app, "/readyz")[1])["why"] == ["stopping"]
    assert _get(app, "/healthz")[0] == "200 OK"


def test_metrics_are_served_beside_the_probes() -> None:
    metrics.RULES.set(7)
    readiness = health.Readiness()
    server, thread = health.serve(readiness, "127.0.0.1", 0)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        exposition = httpx.get(f"{base}/metrics").text
        not_ready = httpx.get(f"{base}/readyz")
    finally:
        server.shutdown()
        thread.join(5)
    assert "wirewatch_enrich_rules 7.0" in exposition
    assert not_ready.status_code == 503
