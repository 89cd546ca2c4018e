"""Helpers of the end-to-end tests: the system as processes, and a webhook receiver."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from fastapi import FastAPI, Request, Response

from wirewatch.core.broker import free_port


class System:
    def __init__(self, proc: subprocess.Popen[bytes], env: dict[str, str], log: Path):
        self.proc, self.env, self.log = proc, env, log
        self.api = f"http://127.0.0.1:{env['WIREWATCH_API_PORT']}"
        self.ingest = f"http://127.0.0.1:{env['WIREWATCH_INGEST_PORT']}"

    def wait_ready(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, self.log.read_text()[-3000:]
            if "wirewatch is running" in self.log.read_text():
                return
            time.sleep(0.3)
        raise AssertionError(f"not ready: {self.log.read_text()[-3000:]}")

    def alerts_for(self, article_id: str) -> list[dict[str, Any]]:
        alerts = httpx.get(f"{self.api}/v1/alerts", params={"limit": 1000}).json()["alerts"]
        return [a for a in alerts if a["article_id"] == article_id]

    def wait_alerts(self, article_id: str, timeout_s: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.alerts_for(article_id)
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no alert for {article_id}: {self.log.read_text()[-3000:]}")


def free_ports_in_a_row(count: int) -> int:
    """The first of `count` consecutive free ports (enrich worker i listens on base + i)."""
    for _ in range(100):
        base = free_port()
        try:
            for port in range(base, base + count):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError(f"no {count} consecutive free ports")


def start_system(
    tmp_path: Path, extra_env: dict[str, str], args: tuple[str, ...] = ()
) -> Iterator[System]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    workers = int(args[args.index("--enrich-workers") + 1]) if "--enrich-workers" in args else 1
    env.update(
        WIREWATCH_API_PORT=str(free_port()),
        WIREWATCH_INGEST_PORT=str(free_port()),
        WIREWATCH_ENRICH_METRICS_PORT=str(free_ports_in_a_row(workers)),
        PYTHONUNBUFFERED="1",
        **extra_env,
    )
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirewatch.cli", "run", "--no-samples", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    system = System(proc, env, log)
    try:
        system.wait_ready()
        yield system
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Receiver:
    """A webhook endpoint in a thread of this test process, on loopback."""

    def __init__(self) -> None:
        self.received: list[tuple[float, bytes, dict[str, str]]] = []
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            self.received.append((time.monotonic(), await request.body(), dict(request.headers)))
            return Response(status_code=204)

        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Receiver:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def enriched_count(metrics_url: str) -> float:
    """`wirewatch_enrich_messages_total{outcome="enriched"}` of one enrich worker (0 if down)."""
    try:
        text = httpx.get(metrics_url, timeout=5).text
    except httpx.HTTPError:
        return 0.0
    for line in text.splitlines():
        if line.startswith('wirewatch_enrich_messages_total{outcome="enriched"}'):
            return float(line.split()[-1])
    return 0.0


def post_ndjson(ingest: str, items: list[dict[str, Any]], per_request: int = 100) -> set[str]:
    """Post articles as NDJSON batches; the ids ingest accepted (every answer a 202)."""
    accepted: set[str] = set()
    for start in range(0, len(items), per_request):
        body = b"\n".join(orjson.dumps(a) for a in items[start : start + per_request])
        response = httpx.post(
            f"{ingest}/v1/articles",
            content=body,
            headers={"content-type": "application/x-ndjson"},
            timeout=60,
        )
        assert response.status_code == 202, response.text
        accepted |= {a["id"] for a in response.json()["articles"] if a["status"] == "accepted"}
    return accepted
