"""The api under polling load: fill its view with alerts, then wrk on `GET /v1/alerts`."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import time
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from aiokafka import AIOKafkaProducer

from wirewatch.core.settings import CommonSettings

if TYPE_CHECKING:
    from benchmarks.stream_report import Run
    from benchmarks.system import RunningSystem

SUMMARY = "id,rule_id,severity,created_at,title,url,article_id,revision"
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


async def fill(sys_: RunningSystem, held: int) -> int:
    """Copies of the alerts the system raised, under new ids, until the view holds `held`."""
    async with httpx.AsyncClient(timeout=30) as client:
        seed = (await client.get(f"{sys_.api}/v1/alerts", params={"limit": 1000})).json()["alerts"]
        if not seed:
            raise RuntimeError("no alert to copy: run the light or alert phase first")
        producer = AIOKafkaProducer(bootstrap_servers=sys_.bootstrap, linger_ms=20)
        await producer.start()
        try:
            missing = held - len(seed)
            for k in range(max(missing, 0)):
                alert = dict(seed[k % len(seed)])
                alert["id"] = f"{alert['id']}-copy{k}"
                alert["revision"] = 0
                await producer.send(
                    CommonSettings().topic_alerts,
                    orjson.dumps(alert),
                    key=alert["id"].encode(),
                    headers=[("wirewatch-schema", b"alert.v1")],
                )
            await producer.flush()
        finally:
            await producer.stop()
        deadline = time.monotonic() + 60
        count = 0
        while time.monotonic() < deadline:
            count = (await client.get(f"{sys_.api}/readyz")).json().get("alerts", 0)
            if count >= held:
                break
            await asyncio.sleep(0.2)
        return int(count)


def wrk(url: str, seconds: int, connections: int = 32) -> dict[str, float]:
    """Requests/s and latency percentiles (ms) from wrk, two threads."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is missing: `make bench-tools` (Debian's wrk package)")
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    figures = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}  # type: ignore[union-attr]
    for pct in ("50", "99"):
        found = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        if found:
            figures[f"p{pct}"] = float(found.group(1)) * _UNITS[found.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    figures["non2xx"] = float(errors.group(1)) if errors else 0.0
    return figures


async def measure(sys_: RunningSystem, run: Run, held: int, seconds: int) -> None:
    run.alerts_held = await fill(sys_, held)
    results: dict[str, Any] = {}
    for name, query in (("full", "limit=50"), ("summary", f"limit=50&fields={SUMMARY}")):
        url = f"{sys_.api}/v1/alerts?{query}"
        async with httpx.AsyncClient(timeout=30) as client:
            body = (await client.get(url)).content
        figures = await asyncio.to_thread(wrk, url, seconds)
        figures["page_kb"] = len(body) / 1000
        results[name] = figures
    run.api = results
