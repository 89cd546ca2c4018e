"""`make bench-start`: each service's start time on Apache Kafka as the topics' history grows.

On a broker of its own (`make kafka`), it writes a fixed recent day (raw articles as
ingest writes them, their enriched articles, alerts) and then history: N raw articles
written 8 to 30 days ago with one alert in twenty. For each N it starts ingest, enrich
and api one at a time (`python -m services.<name>`) and times spawn → `/readyz` 200.
Older enriched articles are left out: the api never fetches them (its actor window is
7 days), so they would only cost disk. `--code DIR` runs the services from another
checkout (to measure an earlier commit).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaProducer

from wirewatch.core import kafka
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.broker import free_port
from wirewatch.core.headers import message_headers
from wirewatch.core.kafka_broker import KafkaBroker
from wirewatch.core.models import RawArticle, utcnow
from wirewatch.core.settings import CommonSettings
from wirewatch.ingest.neardup import SIGNATURE_HEADER, signature, to_bytes
from wirewatch.ingest.publisher import CONTENT_HASH_HEADER, content_hash

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "wikinews" / "articles.jsonl"
FALLBACK = REPO / "services" / "data" / "samples" / "wikinews-demo.jsonl"
SAMPLE = REPO / "services" / "data" / "samples" / "libya-gna-haftar.json"
DAY_MS = 86_400_000
RECENT = 2_000
READY = {"ingest": "INGEST_PORT", "enrich": "ENRICH_METRICS_PORT", "api": "API_PORT"}


def _texts() -> list[dict[str, Any]]:
    path = CORPUS if CORPUS.exists() else FALLBACK
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


class Writer:
    """Raw articles as ingest writes them (headers included), enriched articles, alerts."""

    def __init__(self, producer: AIOKafkaProducer, settings: CommonSettings):
        self.producer, self.settings = producer, settings
        self.texts = _texts()
        self.signatures: dict[int, tuple[str, bytes]] = {}
        sample = RawArticle(
            **{**orjson.loads(SAMPLE.read_bytes()), "id": "sample", "received_at": utcnow()}
        )
        analysis = Analyzer.load().analyze([sample])[0]
        self.enriched, self.alert = analysis.enriched, analysis.alerts[0]

    async def raw(self, prefix: str, count: int, ages_ms: tuple[int, int]) -> None:
        now = int(time.time() * 1000)
        sends = []
        for i, j in zip(range(count), itertools.cycle(range(len(self.texts))), strict=False):
            source = self.texts[j]
            article = RawArticle(
                id=f"{prefix}-{i}",
                title=source.get("title") or "",
                text=source["text"],
                received_at=utcnow(),
            )
            if j not in self.signatures:
                self.signatures[j] = (content_hash(article), to_bytes(signature(article.text)))
            digest, minhash = self.signatures[j]
            headers = [
                *message_headers("article.raw.v1", "ingest", f"{i:032x}"),
                (CONTENT_HASH_HEADER, digest.encode()),
                (SIGNATURE_HEADER, minhash),
            ]
            stamp = now - ages_ms[0] - (ages_ms[1] - ages_ms[0]) * i // max(count, 1)
            sends.append(
                await self.producer.send(
                    self.settings.topic_raw,
                    value=article.model_dump_json().encode(),
                    key=article.id.encode(),
                    headers=headers,
                    timestamp_ms=stamp,
                )
            )
            if i % 20 == 0:
                alert = self.alert.model_copy(update={"id": f"{prefix}-a{i}"})
                await self._send(self.settings.topic_alerts, alert, stamp)
        await asyncio.gather(*sends)
        await self.producer.flush()

    async def enriched_day(self, count: int) -> None:
        now = int(time.time() * 1000)
        for i in range(count):
            article = self.enriched.model_copy(update={"id": f"recent-{i}"})
            await self._send(self.settings.topic_enriched, article, now - DAY_MS * i // count)
        await self.producer.flush()

    async def _send(self, topic: str, message: Any, stamp: int) -> None:
        await self.producer.send(
            topic,
            value=message.model_dump_json().encode(),
            key=message.id.encode(),
            timestamp_ms=stamp,
        )


def _time_start(name: str, bootstrap: str, code: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    port = free_port()
    env.update(
        {
            "WIREWATCH_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            f"WIREWATCH_{READY[name]}": str(port),
            "WIREWATCH_INGEST_ALLOW_NO_AUTH": "true",
            "WIREWATCH_API_ANALYZE_ENABLED": "false",
            "PYTHONPATH": str(code),
        }
    )
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", f"wirewatch.{name}"],
        cwd=code,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited with {proc.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            if time.monotonic() - started > 900:
                raise TimeoutError(f"{name} not ready in 900 s")
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


async def _fill(writer: Writer, have: int, want: int) -> None:
    if want > have:
        await writer.raw(f"history-{have}", want - have, (8 * DAY_MS, 30 * DAY_MS))


async def _prepare(bootstrap: str) -> tuple[AIOKafkaProducer, Writer]:
    settings = CommonSettings(kafka_bootstrap_servers=bootstrap)
    await kafka.ensure_topics(settings)
    producer = kafka.producer(settings, linger_ms=20, max_batch_size=1_000_000)
    await producer.start()
    writer = Writer(producer, settings)
    await writer.raw("recent", RECENT, (0, DAY_MS))
    await writer.enriched_day(RECENT)
    return producer, writer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--history", default="0,10000,100000", help="raw articles, ascending")
    parser.add_argument("--code", type=Path, default=REPO, help="checkout to run services from")
    args = parser.parse_args()
    sizes = [int(n) for n in args.history.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as data, KafkaBroker(Path(data)) as broker:
        loop = asyncio.new_event_loop()
        producer, writer = loop.run_until_complete(_prepare(broker.bootstrap_servers))
        for name in READY:  # once unmeasured: the first start also fills the file cache
            _time_start(name, broker.bootstrap_servers, args.code)
        have = 0
        for size in sizes:
            loop.run_until_complete(_fill(writer, have, size))
            have = size
            times = {n: _time_start(n, broker.bootstrap_servers, args.code) for n in READY}
            rows.append((size, times))
            print(f"history {size:>7,}: " + ", ".join(f"{n} {t:.1f} s" for n, t in times.items()))
        loop.run_until_complete(producer.stop())
        loop.close()
    print("\n| raw articles older than 8 days | ingest | enrich | api |\n|---:|---:|---:|---:|")
    for size, times in rows:
        print(f"| {size:,} | " + " | ".join(f"{times[n]:.1f} s" for n in READY) + " |")


if __name__ == "__main__":
    main()
