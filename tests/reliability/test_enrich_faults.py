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

import orjson
import pytest

from tests.conftest import Record
from tests.e2e.system import System
from tests.e2e.test_supervision import _alive
from tests.helpers import produce_many, read_topic
from tests.reliability.running import (
    BATCH,
    articles,
    enriched,
    enriched_so_far,
    post,
    wait_ready,
    wait_workers,
)

pytestmark = pytest.mark.reliability


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
    while enriched_so_far(system) < count // 3:
        assert time.monotonic() < deadline, system.log.read_text()[-3000:]
        time.sleep(0.5)
    victim = wait_workers(system, 2)[0]
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
        "SIGTERM each of 2 workers in turn, the next once the last is ready again, during "
        "production (3 rounds; short: 1): "
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
            # Rolling: the next worker stops only once the last one is back and ready.
            wait_ready(system, 2)
            victim = wait_workers(system, 2)[0]
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
