"""Rules 5 and 6: an article slower than the poll interval, and workers added and
removed, with production running."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import Record
from tests.e2e.system import System
from tests.reliability.running import (
    arm,
    articles,
    enriched,
    metric,
    post,
)
from wirewatch.core.broker import free_port

pytestmark = pytest.mark.reliability


@pytest.mark.parametrize(
    "system",
    [{"workers": 1, "env": {"WIREWATCH_ENRICH_MAX_POLL_INTERVAL_MS": "10000"}}],
    indirect=True,
)
@pytest.mark.timeout(600)
def test_an_article_slower_than_the_poll_interval_is_not_a_crash_loop(
    system: System, broker_kind: str, record: Record
) -> None:
    figures = record(
        "5. slow article",
        "one analysis stalls 15 s, past `max_poll_interval_ms` (10 s), with articles "
        "behind it: each article enriched, none more than twice, the worker never restarted",
    )
    arm(system, "enrich-analyze", "15")
    accepted = post(system, articles(1, "r5-slow"))
    time.sleep(1)  # the slow one is in analysis: the next ones queue behind it
    accepted |= post(system, articles(40, "r5"))
    keys = enriched(system, accepted, 300)
    text = system.log.read_text()
    figures.update(
        articles=len(accepted),
        missing=len(accepted - set(keys)),
        most_copies=max(keys.values(), default=0),
        restarts=text.count("restarting it in"),
        stale_batches_dropped=text.count("dropping a batch fetched before a rebalance"),
    )
    assert not (Path(system.env["WIREWATCH_FAILPOINTS_DIR"]) / "enrich-analyze").exists()
    assert figures["missing"] == 0
    assert figures["most_copies"] <= (1 if broker_kind == "kafka" else 2)
    assert figures["restarts"] == 0


def _extra_worker(system: System, port: int) -> subprocess.Popen[bytes]:
    env = {**system.env, "WIREWATCH_ENRICH_METRICS_PORT": str(port)}
    return subprocess.Popen(
        [sys.executable, "-m", "wirewatch.enrich"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _owned(ports: list[int]) -> list[float]:
    out = []
    for port in ports:
        try:
            out.append(
                metric(f"http://127.0.0.1:{port}/metrics", "wirewatch_enrich_assigned_partitions")
            )
        except httpx.HTTPError:
            out.append(0.0)
    return out


def _until_owned(ports: list[int], partitions: int, timeout_s: float) -> float:
    """Seconds until the workers on `ports` own every partition between them, each one."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        owned = _owned(ports)
        if sum(owned) == partitions and all(n >= 1 for n in owned):
            return time.monotonic() - started
        time.sleep(0.25)
    raise AssertionError(f"partitions not all owned in {timeout_s} s: {_owned(ports)}")


@pytest.mark.long  # three workers loading models on two cores: minutes
@pytest.mark.parametrize("system", [{"workers": 1}], indirect=True)
@pytest.mark.timeout(900)
def test_scaling_one_to_three_to_one_worker_moves_every_partition(
    system: System, record: Record
) -> None:
    session_s = 10  # WIREWATCH_ENRICH_SESSION_TIMEOUT_MS's default
    figures = record(
        "6. scale 1 → 3 → 1 workers",
        f"workers added and removed during production: every partition owned, by one "
        f"worker, within 2× the session timeout ({2 * session_s} s) of each change; "
        "nothing missing",
    )
    base = int(system.env["WIREWATCH_ENRICH_METRICS_PORT"])
    partitions = int(system.env["WIREWATCH_TOPIC_PARTITIONS"])
    items = articles(300, "r6")
    accepted = post(system, items[:100])
    extra_ports = [free_port(), free_port()]
    extra = [_extra_worker(system, port) for port in extra_ports]
    try:
        figures["to_3_s"] = round(_until_owned([base, *extra_ports], partitions, 120), 1)
        accepted |= post(system, items[100:200])
        for proc in extra:
            proc.send_signal(signal.SIGTERM)
        for proc in extra:
            proc.wait(30)
        figures["to_1_s"] = round(_until_owned([base], partitions, 120), 1)
    finally:
        for proc in extra:
            if proc.poll() is None:
                proc.kill()
    accepted |= post(system, items[200:])
    keys = enriched(system, accepted, 300)
    figures.update(articles=len(accepted), missing=len(accepted - set(keys)))
    assert figures["missing"] == 0
    assert figures["to_3_s"] <= 2 * session_s
    assert figures["to_1_s"] <= 2 * session_s
