"""Broker loss seen by a service: readiness goes unhealthy then healthy, once in the log,
counted in the metrics."""

from __future__ import annotations

import asyncio
import logging

import pytest
from prometheus_client import REGISTRY

from tests.conftest import Record
from wirewatch.core import kafka
from wirewatch.core.broker import EmbeddedBroker
from wirewatch.core.brokerwatch import BrokerMetrics, BrokerWatch
from wirewatch.core.settings import CommonSettings
from wirewatch.enrich import metrics
from wirewatch.enrich.health import Readiness

pytestmark = pytest.mark.integration


def _lost() -> float:
    return REGISTRY.get_sample_value("wirewatch_enrich_broker_connection_lost_total") or 0.0


async def test_a_lost_broker_makes_the_service_unready_until_it_is_back(
    caplog: pytest.LogCaptureFixture, record: Record
) -> None:
    record(
        "10. broker loss and return",
        "readiness unhealthy then healthy; one log line each way; the loss counted",
    )
    caplog.set_level(logging.WARNING, "wirewatch.core.brokerwatch")
    own = EmbeddedBroker().start()  # ours alone: this test stops it
    settings = CommonSettings(kafka_bootstrap_servers=own.bootstrap_servers)
    producer = kafka.producer(settings, request_timeout_ms=2_000)
    await kafka.start_when_ready(producer, 30)
    watch = BrokerWatch(producer, BrokerMetrics(metrics.BROKER_UP, metrics.BROKER_LOST))
    readiness = Readiness()
    readiness.analysis_loaded = readiness.group_joined = True
    readiness.broker = watch
    lost_before = _lost()
    try:
        assert await watch.probe()
        assert readiness.problems() == []
        port = own.port
        own.stop()
        for _ in range(3):  # repeated failures: one log line, one count
            watch.record(await watch.probe())
        assert readiness.problems() == ["broker unreachable"]
        assert REGISTRY.get_sample_value("wirewatch_enrich_broker_up") == 0
        assert _lost() == lost_before + 1
        assert caplog.text.count("the broker does not answer") == 1
        own = EmbeddedBroker(port=port).start()
        for _ in range(60):
            watch.record(await watch.probe())
            if watch.reachable:
                break
            await asyncio.sleep(0.5)
        assert readiness.problems() == []
        assert REGISTRY.get_sample_value("wirewatch_enrich_broker_up") == 1
        assert "the broker is back after" in caplog.text
    finally:
        await producer.stop()
        own.stop()
