"""Where the stream benchmark watches outputs arrive: the enriched topic and the SSE stream."""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import datetime

import httpx
import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition


class Arrivals:
    """First arrival time (perf_counter) of each article id on the enriched topic and SSE."""

    def __init__(self) -> None:
        self.enriched: dict[str, float] = {}
        # Wall-clock trace of each enriched article: (received_at, enriched_at, arrived).
        self.trace: dict[str, tuple[float, float, float]] = {}
        self.alerts: dict[str, float] = {}
        self.sse_connected = asyncio.Event()
        self.topic_ready = asyncio.Event()

    async def follow_topic(self, bootstrap: str, topic: str, stop: asyncio.Event) -> None:
        """A consumer of its own (no group), from the end, with a short fetch wait."""
        cons = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, fetch_max_wait_ms=20
        )
        await cons.start()
        try:
            await cons.topics()
            tps = [TopicPartition(topic, p) for p in sorted(cons.partitions_for_topic(topic))]
            cons.assign(tps)
            await cons.seek_to_end(*tps)
            for tp in tps:
                await cons.position(tp)  # resolve "end" now, before anything is posted
            self.topic_ready.set()
            while not stop.is_set():
                batch = await cons.getmany(timeout_ms=100)
                now, wall = time.perf_counter(), time.time()
                for records in batch.values():
                    for record in records:
                        key = (record.key or b"").decode()
                        if key not in self.enriched:
                            self.enriched[key] = now
                            self.trace[key] = (*_stamps(record.value), wall)
        finally:
            await cons.stop()

    async def follow_sse(self, api: str, stop: asyncio.Event) -> None:
        """Every alert event of the live stream, by its article id."""
        timeout = httpx.Timeout(10, read=None)  # the stream is quiet between alerts
        async with (
            httpx.AsyncClient(timeout=timeout) as client,
            client.stream("GET", f"{api}/v1/alerts/stream") as response,
        ):
            response.raise_for_status()
            self.sse_connected.set()
            lines = response.aiter_lines()
            while not stop.is_set():
                line = await _next_or_stop(lines, stop)
                if line is None:
                    return
                if line.startswith("data:"):
                    now = time.perf_counter()
                    alert = orjson.loads(line[5:])
                    self.alerts.setdefault(alert["article_id"], now)

    async def wait_for(self, ids: list[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and any(i not in self.enriched for i in ids):  # noqa: ASYNC110
            await asyncio.sleep(0.05)


def _stamps(value: bytes) -> tuple[float, float]:
    """When ingest received the article and when enrich started on it (epoch seconds)."""
    article = orjson.loads(value)
    return tuple(  # type: ignore[return-value]
        datetime.fromisoformat(article[k]).timestamp() for k in ("received_at", "enriched_at")
    )


async def _next_or_stop(lines: object, stop: asyncio.Event) -> str | None:
    nxt = asyncio.ensure_future(lines.__anext__())  # type: ignore[attr-defined]
    # When the follower is cancelled mid-wait, this read is left to fail as the api shuts
    # down; looking at its outcome keeps asyncio from printing it as never retrieved.
    nxt.add_done_callback(lambda t: t.cancelled() or t.exception())
    stopper = asyncio.ensure_future(stop.wait())
    await asyncio.wait({nxt, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    if nxt.done():
        with contextlib.suppress(StopAsyncIteration):
            line: str = nxt.result()
            return line
        return None
    nxt.cancel()
    return None
