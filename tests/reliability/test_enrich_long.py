"""Rules 8 and 12, minutes each (`make test-reliability` only): replaying the raw topic
changes no alert; a soak leaves no lag and no growing memory."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import httpx
import orjson
import pytest

from tests.conftest import REPO, Record
from tests.e2e.system import System, enriched_count
from tests.reliability.running import (
    articles,
    enriched,
    metric,
    post,
    rss_mb,
    worker_pids,
)
from wirewatch.core.broker import free_port

pytestmark = pytest.mark.reliability


def _alert_ids(system: System) -> list[str]:
    alerts = httpx.get(f"{system.api}/v1/alerts", params={"limit": 1000}, timeout=10).json()
    return sorted(a["id"] for a in alerts["alerts"])


def _replay(system: System, group: str, want: int) -> None:
    """Another enrich process, in a group of its own, through the whole raw topic."""
    port = free_port()
    env = {**system.env, "WIREWATCH_ENRICH_GROUP_ID": group}
    env["WIREWATCH_ENRICH_METRICS_PORT"] = str(port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "wirewatch.enrich"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 300
        while enriched_count(f"http://127.0.0.1:{port}/metrics") < want:
            assert proc.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


@pytest.mark.long
def test_replaying_the_raw_topic_changes_no_alert(system: System, record: Record) -> None:
    figures = record(
        "8. replay idempotence",
        "the raw topic enriched again from the start, twice (new consumer groups): the "
        "api's alert set and count unchanged",
    )
    sample = orjson.loads(
        (REPO / "services" / "data" / "samples" / "libya-gna-haftar.json").read_bytes()
    )
    items = [{**sample, "id": "r8-sample"}, *articles(20, "r8")]
    accepted = post(system, items)
    enriched(system, accepted, 300)
    deadline = time.monotonic() + 60
    while not (before := _alert_ids(system)):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    for n in (1, 2):
        _replay(system, f"{system.env['WIREWATCH_ENRICH_GROUP_ID']}.replay{n}", len(accepted))
    time.sleep(2)  # what the replays published reaches the api's view
    after = _alert_ids(system)
    figures.update(articles=len(accepted), alerts_before=len(before), alerts_after=len(after))
    assert after == before


@pytest.mark.long
@pytest.mark.timeout(1200)
def test_soak_lag_returns_to_zero_and_memory_stays_flat(
    system: System, full: bool, record: Record
) -> None:
    rate, seconds = (20, 600) if full else (5, 60)
    figures = record(
        "12. soak",
        f"{seconds} s at {rate} articles/s: lag back to 0 within 30 s after the load "
        "stops; enrich RSS grows less than 20 MB per 10,000 articles after warm-up; "
        "ingested_total equals the 2xx count",
    )
    base = int(system.env["WIREWATCH_ENRICH_METRICS_PORT"])
    workers = [f"http://127.0.0.1:{base + i}/metrics" for i in range(2)]
    items = articles(rate * seconds, "r12")
    warm = post(system, items[:50])
    enriched(system, warm, 120)
    rss_before = sum(rss_mb(pid) for pid in worker_pids(system))
    acked = len(warm)
    started = time.monotonic()
    for second in range(seconds):
        acked += len(post(system, items[50 + second * rate : 50 + (second + 1) * rate]))
        time.sleep(max(0.0, started + second + 1 - time.monotonic()))
    stopped = time.monotonic()
    while sum(metric(u, "wirewatch_enrich_consumer_lag_messages") for u in workers) > 0:
        if time.monotonic() - stopped > 120:
            break
        time.sleep(0.5)
    figures["lag_zero_after_s"] = round(time.monotonic() - stopped, 1)
    rss_after = sum(rss_mb(pid) for pid in worker_pids(system))
    ingested = metric(
        f"{system.ingest}/metrics", 'wirewatch_ingest_articles_total{outcome="accepted"}'
    ) + metric(f"{system.ingest}/metrics", 'wirewatch_ingest_articles_total{outcome="near')
    figures.update(
        articles=acked,
        rss_growth_mb=round(rss_after - rss_before, 1),
        rss_growth_mb_per_10k=round((rss_after - rss_before) * 10_000 / max(acked, 1), 1),
        ingested_total=int(ingested),
    )
    assert figures["lag_zero_after_s"] <= 30
    assert figures["ingested_total"] == acked
    if full:  # a minute is too short to tell growth from warm-up
        assert figures["rss_growth_mb_per_10k"] < 20
