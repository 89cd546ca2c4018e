"""Follow a whole topic from its first offset: how ingest and api rebuild their state."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from wirewatch.core import kafka
from wirewatch.core.settings import CommonSettings

log = logging.getLogger(__name__)
Handler = Callable[[Any], None]
LagCallback = Callable[[TopicPartition, int], None]


class TopicTail:
    """Reads every partition of one topic from the beginning, then keeps following it.

    No consumer group: every replica of a service reads everything, so each
    builds the same state. `caught_up` is set once the reader has reached the
    high watermark that every partition had when it first looked.

    With `window_s`, it starts at the first record written in the last `window_s`
    seconds instead (`offsets_for_times`): for state that forgets older records
    anyway, so that start time depends on the window, not on the topic's history.
    Tansu answers that lookup with offset 0: there it reads everything, as before.
    """

    def __init__(
        self,
        settings: CommonSettings,
        topic: str,
        handle: Handler,
        on_lag: LagCallback | None = None,
        max_records: int = 2_000,
        window_s: float | None = None,
    ):
        self.settings = settings
        self.topic = topic
        self.handle = handle
        self.on_lag = on_lag
        self.max_records = max_records
        self.window_s = window_s
        self.caught_up = asyncio.Event()
        self.consumer: AIOKafkaConsumer | None = None

    async def run(self, stop: asyncio.Event) -> None:
        cons = kafka.consumer(self.settings)
        await kafka.start_when_ready(cons, self.settings.kafka_connect_timeout_s, stop)
        self.consumer = cons
        try:
            tps = await self._assign(cons)
            while not stop.is_set():
                batch = await kafka.poll(cons, stop, 500, self.max_records)
                for records in batch.values():
                    for record in records:
                        self._safe_handle(record)
                await self._after_fetch(cons, tps)
        finally:
            self.consumer = None
            await cons.stop()

    async def _assign(self, cons: AIOKafkaConsumer) -> list[TopicPartition]:
        tps = await kafka.partitions_of(cons, self.topic, self.settings.kafka_connect_timeout_s)
        cons.assign(tps)
        if not self.window_s:
            await cons.seek_to_beginning(*tps)
            return tps
        since_ms = int((time.time() - self.window_s) * 1000)
        found = await cons.offsets_for_times(dict.fromkeys(tps, since_ms))
        for tp in tps:
            hit = found.get(tp)
            if hit is None:  # nothing written since: only what comes next
                await cons.seek_to_end(tp)
            else:
                cons.seek(tp, hit.offset)
        return tps

    def _safe_handle(self, record: Any) -> None:
        try:
            self.handle(record)
        except Exception:  # a bad record must not stop the reader; the handler counts it
            log.exception("cannot apply %s[%d]@%d", record.topic, record.partition, record.offset)

    async def _after_fetch(self, cons: AIOKafkaConsumer, tps: list[TopicPartition]) -> None:
        behind = False
        for tp in tps:
            lag = kafka.lag(cons, tp, await cons.position(tp))
            if lag is None or lag > 0:
                behind = True
            if lag is not None and self.on_lag is not None:
                self.on_lag(tp, lag)
        if not behind and not self.caught_up.is_set():
            log.info("caught up with %s", self.topic)
            self.caught_up.set()

    async def broker_reachable(self, timeout_s: float = 2.0) -> bool:
        """Whether a metadata request to the broker succeeds in time."""
        cons = self.consumer
        if cons is None:
            return False
        try:
            await asyncio.wait_for(cons.topics(), timeout_s)
        except Exception:  # any failure means "not reachable" for a readiness probe
            return False
        return True
