"""The enrich worker's HTTP endpoint: /metrics, /healthz, and a /readyz that can fail."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any, Protocol
from wsgiref.simple_server import WSGIServer, make_server

import orjson
from prometheus_client import make_wsgi_app
from prometheus_client.exposition import ThreadingWSGIServer, _SilentHandler

StartResponse = Callable[..., Any]


class _Broker(Protocol):
    reachable: bool


class Readiness:
    """What must hold before the worker takes articles: analysis loaded, group joined,
    broker answering."""

    def __init__(self) -> None:
        self.analysis_loaded = False
        self.group_joined = False
        self.stopping = False
        self.broker: _Broker | None = None

    def problems(self) -> list[str]:
        out = []
        if not self.analysis_loaded:
            out.append("analysis models loading")
        if not self.group_joined:
            out.append("consumer group not joined")
        if self.broker is not None and not self.broker.reachable:
            out.append("broker unreachable")
        if self.stopping:
            out.append("stopping")
        return out


def app(readiness: Readiness) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    metrics = make_wsgi_app()

    def route(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/healthz":
            return _json(start, "200 OK", {"status": "ok"})
        if path == "/readyz":
            problems = readiness.problems()
            if problems:
                return _json(
                    start, "503 Service Unavailable", {"status": "not ready", "why": problems}
                )
            return _json(start, "200 OK", {"status": "ready"})
        result: Iterable[bytes] = metrics(environ, start)
        return result

    return route


def _json(start: StartResponse, status: str, body: dict[str, Any]) -> list[bytes]:
    start(status, [("Content-Type", "application/json")])
    return [orjson.dumps(body)]


def serve(readiness: Readiness, host: str, port: int) -> tuple[WSGIServer, threading.Thread]:
    """Serve in a daemon thread, as prometheus_client's own server does."""
    server = make_server(host, port, app(readiness), ThreadingWSGIServer, _SilentHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="enrich-http")
    thread.start()
    return server, thread
