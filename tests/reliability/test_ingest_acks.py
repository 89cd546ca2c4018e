"""Rules 1 and 2: every id ingest acknowledged is on the raw topic; no 2xx without the
broker's ack, even with the broker frozen under load."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.conftest import Record
from tests.helpers import read_topic
from tests.integration.conftest import listening
from wirewatch.core.broker import EmbeddedBroker
from wirewatch.core.kafka_broker import KafkaBroker
from wirewatch.core.settings import CommonSettings
from wirewatch.ingest.app import create_app
from wirewatch.ingest.settings import IngestSettings

pytestmark = pytest.mark.reliability
CLIENTS = 8
PUBLISH_TIMEOUT_S = 3.0


def _settings(common: CommonSettings) -> IngestSettings:
    return IngestSettings(
        **{
            **common.model_dump(),
            "ingest_allow_no_auth": True,
            "ingest_publish_timeout_s": PUBLISH_TIMEOUT_S,
            "ingest_rate_limit_per_s": 200.0,
            "ingest_rate_limit_burst": 50,
            "ingest_feed_group_id": f"feeds.{common.topic_raw}",
        }
    )


def _article(i: int, tag: str) -> dict[str, Any]:
    # Distinct words in each, so none is a near-duplicate of another.
    words = " ".join(f"w{tag}{i}x{k}" for k in range(40))
    return {"id": f"{tag}-{i}", "title": f"Report {tag} {i}", "text": f"Report {i}. {words}."}


class Clients:
    """Concurrent senders; every answer kept with its send and answer times."""

    def __init__(self, base: str):
        self.base = base
        self.answers: list[tuple[str, int, float, float]] = []  # id, status, sent, answered

    async def send_all(
        self, articles: list[dict[str, Any]], stop: asyncio.Event | None = None
    ) -> None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for article in articles:
            queue.put_nowait(article)
        async with httpx.AsyncClient(base_url=self.base, timeout=30) as http:
            await asyncio.gather(*(self._worker(http, queue, stop) for _ in range(CLIENTS)))

    async def _worker(
        self,
        http: httpx.AsyncClient,
        queue: asyncio.Queue[dict[str, Any]],
        stop: asyncio.Event | None,
    ) -> None:
        while not queue.empty() and not (stop is not None and stop.is_set()):
            article = queue.get_nowait()
            sent = time.monotonic()
            response = await http.post("/v1/articles", json=article)
            self.answers.append((article["id"], response.status_code, sent, time.monotonic()))
            if response.status_code == 429:  # honoured: wait as told, then the same article
                await asyncio.sleep(float(response.headers.get("retry-after", "1")))
                queue.put_nowait(article)

    def acked(self) -> set[str]:
        return {i for i, status, _, _ in self.answers if 200 <= status < 300}


async def _on_topic(common: CommonSettings, want: int) -> Counter[str]:
    records = await read_topic(common.kafka_bootstrap_servers, common.topic_raw, want, 30)
    return Counter(r.key.decode() for r in records)


@pytest.fixture
async def ingest_url(common: CommonSettings) -> AsyncIterator[str]:
    async with listening(create_app(_settings(common))) as base:
        yield base


async def test_every_acknowledged_article_is_on_the_raw_topic(
    common: CommonSettings, ingest_url: str, full: bool, record: Record
) -> None:
    figures = record(
        "1. acked-ingest completeness",
        f"articles from {CLIENTS} concurrent clients (429s honoured): every id in a 2xx "
        "answer is on the raw topic, once",
    )
    count = 5_000 if full else 500
    clients = Clients(ingest_url)
    await clients.send_all([_article(i, "r1") for i in range(count)])
    acked = clients.acked()
    on_topic = await _on_topic(common, len(acked))
    figures.update(
        sent=count,
        acked=len(acked),
        answers_429=sum(1 for _, s, _, _ in clients.answers if s == 429),
        on_topic=len(on_topic),
        duplicates=sum(n - 1 for n in on_topic.values()),
    )
    assert acked == {f"r1-{i}" for i in range(count)}  # with 429s honoured, all get in
    assert acked <= set(on_topic)
    assert figures["duplicates"] == 0


async def test_a_frozen_broker_gets_503_in_bounded_time_never_2xx(
    common: CommonSettings,
    ingest_url: str,
    broker: EmbeddedBroker | KafkaBroker,
    full: bool,
    record: Record,
) -> None:
    figures = record(
        "2. no 2xx without a broker ack",
        "broker SIGSTOPped for 10 s under load: answers during the pause are 503 within "
        f"the publish timeout ({PUBLISH_TIMEOUT_S:.0f} s) + 1 s, never 2xx; afterwards "
        "rule 1 holds",
    )
    assert broker.pid is not None
    clients = Clients(ingest_url)
    stop = asyncio.Event()
    load = asyncio.create_task(clients.send_all([_article(i, "r2") for i in range(100_000)], stop))
    await asyncio.sleep(2)
    os.kill(broker.pid, signal.SIGSTOP)
    paused = time.monotonic()
    try:
        await asyncio.sleep(10)
    finally:
        os.kill(broker.pid, signal.SIGCONT)
    resumed = time.monotonic()
    await asyncio.sleep(5 if full else 3)
    stop.set()
    await load
    # Requests sent while the broker was frozen and answered before it came back.
    during = [
        (s, answered - sent)
        for _, s, sent, answered in clients.answers
        if paused < sent and answered < resumed
    ]
    acked = clients.acked()
    on_topic = await _on_topic(common, len(acked))
    figures.update(
        answers_during_pause=len(during),
        ok_during_pause=sum(1 for s, _ in during if 200 <= s < 300),
        slowest_answer_during_pause_s=round(max((t for _, t in during), default=0.0), 2),
        acked=len(acked),
        acked_missing=len(acked - set(on_topic)),
    )
    assert during, "no request was answered during the pause"
    assert figures["ok_during_pause"] == 0
    assert all(s == 503 for s, t in during if t > 0.5)  # what waited on the broker
    assert figures["slowest_answer_during_pause_s"] <= PUBLISH_TIMEOUT_S + 1
    assert figures["acked_missing"] == 0
