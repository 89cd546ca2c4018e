"""Rules 3, 4, 7, 8 and 12: the running system (`wirewatch run`, enrich workers as
processes) on the test session's broker, with workers killed, bounced, fed poison,
replayed and soaked. Counted by unique article id on the enriched topic, read with
read_committed.

Where the brokers differ: on Apache Kafka enrich is transactional, so a killed worker
leaves no duplicate; on Tansu it is at least once, and a killed worker may repeat the
batch it had published but not committed (at most one batch per kill).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from services.core.broker import EmbeddedBroker
from services.core.kafka_broker import KafkaBroker
from tests.conftest import REPO
from tests.e2e.system import System, enriched_count, start_system
from tests.e2e.test_supervision import _alive, _children
from tests.helpers import produce_many, read_topic
from tests.reliability.conftest import Record

pytestmark = pytest.mark.reliability
BATCH = 16  # WIREWATCH_ENRICH_BATCH_SIZE's default: what one kill may repeat on Tansu


@pytest.fixture
def system(
    tmp_path: Path, broker: EmbeddedBroker | KafkaBroker, topics: dict[str, Any], unique: str
) -> Iterator[System]:
    """`wirewatch run --enrich-workers 2` on the session's broker, with its own topics."""
    env = {f"WIREWATCH_{k.upper()}": str(v) for k, v in topics.items()}
    env.update(
        WIREWATCH_KAFKA_BOOTSTRAP_SERVERS=broker.bootstrap_servers,
        WIREWATCH_TOPIC_PARTITIONS="4",
        WIREWATCH_ENRICH_GROUP_ID=f"enrich.{unique}",
        WIREWATCH_API_WEBHOOK_GROUP_ID=f"hooks.{unique}",
        WIREWATCH_INGEST_FEED_GROUP_ID=f"feeds.{unique}",
        WIREWATCH_INGEST_RATE_LIMIT_PER_S="100000",
        WIREWATCH_INGEST_RATE_LIMIT_BURST="100000",
    )
    yield from start_system(tmp_path, env, ("--enrich-workers", "2"))


def _workers(system: System) -> list[int]:
    return sorted(
        pid
        for pid in _children(system.proc.pid)
        if b"services.enrich" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )


def articles(count: int, tag: str) -> list[dict[str, Any]]:
    """Short articles with entities, each with words of its own (no near-duplicates)."""
    names = ["Angela Merkel", "Emmanuel Macron", "Fayez Al-Sarraj", "Khalifa Haftar"]
    places = ["Paris", "Berlin", "Tripoli", "Ankara"]
    out = []
    for i in range(count):
        own = " ".join(f"q{tag}{i}z{k}" for k in range(12))
        text = (
            f"{names[i % 4]} met officials in {places[(i // 4) % 4]} on day {i}. "
            f"The talks about trade were described as difficult. {own}."
        )
        out.append({"id": f"{tag}-{i}", "title": f"Talks {tag} {i}", "text": text})
    return out


def post(system: System, items: list[dict[str, Any]]) -> set[str]:
    accepted: set[str] = set()
    for start in range(0, len(items), 100):
        body = b"\n".join(orjson.dumps(a) for a in items[start : start + 100])
        response = httpx.post(
            f"{system.ingest}/v1/articles",
            content=body,
            headers={"content-type": "application/x-ndjson"},
            timeout=60,
        )
        assert response.status_code == 202, response.text
        accepted |= {a["id"] for a in response.json()["articles"] if a["status"] == "accepted"}
    return accepted


def enriched(system: System, want: set[str], timeout_s: float) -> Counter[str]:
    """Keys on the enriched topic once all of `want` are there (or time runs out), read
    on past the last so that a repeat would show."""
    bootstrap = system.env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"]
    topic = system.env["WIREWATCH_TOPIC_ENRICHED"]
    deadline = time.monotonic() + timeout_s
    while True:
        seen = asyncio.run(read_topic(bootstrap, topic, want=len(want), timeout_s=10))
        keys = Counter(r.key.decode() for r in seen)
        if want <= set(keys) or time.monotonic() > deadline:
            break
    more = asyncio.run(read_topic(bootstrap, topic, want=10 * len(want) + 10, timeout_s=5))
    return Counter(r.key.decode() for r in more)


def _wait_workers(system: System, count: int, timeout_s: float = 120) -> list[int]:
    deadline = time.monotonic() + timeout_s
    while len(pids := _workers(system)) != count:
        assert time.monotonic() < deadline, system.log.read_text()[-3000:]
        time.sleep(0.2)
    return pids


def _enriched_so_far(system: System) -> int:
    bootstrap = system.env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"]
    topic = system.env["WIREWATCH_TOPIC_ENRICHED"]
    return len(asyncio.run(read_topic(bootstrap, topic, want=10**9, timeout_s=1)))


@pytest.mark.timeout(900)
def test_a_worker_killed_with_sigkill_loses_nothing(
    system: System, broker_kind: str, full: bool, record: Record
) -> None:
    figures = record(
        "3. enrich kill -9, 2 workers",
        "every raw id enriched; duplicates at most one batch (16) on Tansu, none on Kafka "
        "(transactions, read_committed)",
    )
    count = 3_000 if full else 300
    accepted = post(system, articles(count, "r3"))
    deadline = time.monotonic() + 300
    while _enriched_so_far(system) < count // 3:
        assert time.monotonic() < deadline, system.log.read_text()[-3000:]
        time.sleep(0.5)
    victim = _wait_workers(system, 2)[0]
    os.kill(victim, signal.SIGKILL)
    keys = enriched(system, accepted, 600)
    figures.update(
        articles=len(accepted),
        missing=len(accepted - set(keys)),
        duplicates=sum(n - 1 for n in keys.values()),
    )
    assert "exited with code -9; restarting it" in system.log.read_text()
    assert figures["missing"] == 0
    assert figures["duplicates"] <= (0 if broker_kind == "kafka" else BATCH)


@pytest.mark.timeout(900)
def test_a_clean_rolling_bounce_repeats_nothing(system: System, full: bool, record: Record) -> None:
    figures = record(
        "4. clean rolling bounce",
        "SIGTERM each of 2 workers in turn during production (3 rounds; short: 1): "
        "0 missing, 0 duplicates, each stop under 10 s",
    )
    rounds = 3 if full else 1
    count = 400 * rounds
    items = articles(count, "r4")
    accepted: set[str] = set()
    stops: list[float] = []
    for r in range(rounds):
        part = items[r * 400 : (r + 1) * 400]
        accepted |= post(system, part[:200])
        for _ in range(2):
            victim = _wait_workers(system, 2)[0]
            started = time.monotonic()
            os.kill(victim, signal.SIGTERM)
            while _alive(victim):
                assert time.monotonic() - started < 30
                time.sleep(0.05)
            stops.append(time.monotonic() - started)
            accepted |= post(system, part[200:300] if _ == 0 else part[300:])
    keys = enriched(system, accepted, 600)
    figures.update(
        articles=len(accepted),
        bounces=len(stops),
        slowest_stop_s=round(max(stops), 2),
        missing=len(accepted - set(keys)),
        duplicates=sum(n - 1 for n in keys.values()),
    )
    assert figures["missing"] == 0
    assert figures["duplicates"] == 0
    assert figures["slowest_stop_s"] < 10


def test_poison_records_go_to_the_dlq_and_the_good_ones_behind_them_through(
    system: System, record: Record
) -> None:
    figures = record(
        "7. poison records",
        "non-UTF-8, invalid JSON, empty, tombstone, missing fields, unknown version, "
        "900 KB text on the raw topic: each in the DLQ with its source offset; the good "
        "records behind them enriched",
    )
    bootstrap = system.env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"]
    good = articles(4, "r7")
    poison: list[tuple[bytes | None, bytes | None]] = [
        (b"p-utf8", b"\xff\xfe\x00garbage"),
        (b"p-json", b"{not json"),
        (b"p-empty", b""),
        (b"p-tombstone", None),
        (b"p-fields", b'{"title": "no text, no id"}'),
        (b"p-version", orjson.dumps({**good[0], "id": "p-version", "schema_version": 99})),
        (b"p-big", orjson.dumps({**good[1], "id": "p-big", "text": "word " * 180_000})),
    ]
    items = [(k, v) for k, v in poison] + [
        (a["id"].encode(), orjson.dumps({**a, "received_at": "2026-01-01T00:00:00Z"})) for a in good
    ]
    asyncio.run(produce_many(bootstrap, system.env["WIREWATCH_TOPIC_RAW"], items))
    dlq = asyncio.run(
        read_topic(bootstrap, system.env["WIREWATCH_TOPIC_DLQ"], want=len(poison), timeout_s=120)
    )
    keys = enriched(system, {a["id"] for a in good}, 120)
    with_offset = [r for r in dlq if dict(r.headers).get("wirewatch-source-offset")]
    figures.update(poison=len(poison), in_dlq=len(dlq), with_source_offset=len(with_offset))
    figures["good_enriched"] = len({a["id"] for a in good} & set(keys))
    assert sorted(r.key or b"" for r in dlq) == sorted(k or b"" for k, _ in poison)
    assert len(with_offset) == len(poison)
    assert figures["good_enriched"] == len(good)


def _alert_ids(system: System) -> list[str]:
    alerts = httpx.get(f"{system.api}/v1/alerts", params={"limit": 1000}, timeout=10).json()
    return sorted(a["id"] for a in alerts["alerts"])


def _replay(system: System, group: str, want: int) -> None:
    """Another enrich process, in a group of its own, through the whole raw topic."""
    import subprocess
    import sys

    from services.core.broker import free_port

    port = free_port()
    env = {**system.env, "WIREWATCH_ENRICH_GROUP_ID": group}
    env["WIREWATCH_ENRICH_METRICS_PORT"] = str(port)
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.enrich"],
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


def _metric(url: str, name: str) -> float:
    text = httpx.get(url, timeout=5).text
    return sum(
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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
    rss_before = sum(_rss_mb(pid) for pid in _workers(system))
    acked = len(warm)
    started = time.monotonic()
    for second in range(seconds):
        acked += len(post(system, items[50 + second * rate : 50 + (second + 1) * rate]))
        time.sleep(max(0.0, started + second + 1 - time.monotonic()))
    stopped = time.monotonic()
    while sum(_metric(u, "wirewatch_enrich_consumer_lag_messages") for u in workers) > 0:
        if time.monotonic() - stopped > 120:
            break
        time.sleep(0.5)
    figures["lag_zero_after_s"] = round(time.monotonic() - stopped, 1)
    rss_after = sum(_rss_mb(pid) for pid in _workers(system))
    ingested = _metric(
        f"{system.ingest}/metrics", 'wirewatch_ingest_articles_total{outcome="accepted"}'
    ) + _metric(f"{system.ingest}/metrics", 'wirewatch_ingest_articles_total{outcome="near')
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
