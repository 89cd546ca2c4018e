"""Whether the broker answers: probed in the background, logged on change, counted, shown."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from prometheus_client import Counter, Gauge

from wirewatch.core.lifecycle import sleep_or_stop

log = logging.getLogger(__name__)


@dataclass
class BrokerMetrics:
    """The service's own `wirewatch_<service>_broker_*` metrics."""

    up: Gauge
    lost: Counter


class BrokerWatch:
    """Asks the broker for metadata every `interval_s`: the answer feeds readiness, one log
    line when the connection is lost and one when it is back, and the service's metrics
    (aiokafka's own reconnect errors are rate-limited by `logs.configure`)."""

    def __init__(
        self,
        producer: AIOKafkaProducer,
        metrics: BrokerMetrics,
        interval_s: float = 2.0,
        timeout_s: float = 3.0,
    ):
        self.producer = producer
        self.metrics = metrics
        self.interval_s = interval_s
        self.timeout_s = timeout_s
        self.reachable = True  # the service has just connected when it starts the watch
        self._lost_at = 0.0
        metrics.up.set(1)

    async def run(self, stop: asyncio.Event) -> None:
        while not await sleep_or_stop(stop, self.interval_s):
            self.record(await self.probe())

    async def probe(self) -> bool:
        try:
            await asyncio.wait_for(self.producer.client.fetch_all_metadata(), self.timeout_s)
        except Exception:  # any failure means "not reachable"
            return False
        return True

    def record(self, reachable: bool) -> None:
        if reachable == self.reachable:
            return
        self.reachable = reachable
        self.metrics.up.set(int(reachable))
        if not reachable:
            self._lost_at = time.monotonic()
            self.metrics.lost.inc()
            log.error("the broker does not answer: not ready until it is back")
        else:
            log.warning("the broker is back after %.0f s", time.monotonic() - self._lost_at)
