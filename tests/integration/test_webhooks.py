"""Webhooks end to end on the real broker: signed deliveries, retries, giving up, persistence."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import standardwebhooks
import standardwebhooks.webhooks
from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import FastAPI, Request, Response

from tests.helpers import eventually, sample
from tests.integration.conftest import listening, serving
from tests.integration.test_api_features import ADMIN, KEYS, make_alert, publish
from wirewatch.api.app import create_app
from wirewatch.api.settings import ApiSettings
from wirewatch.api.state import ApiState
from wirewatch.core import kafka
from wirewatch.core.models import Alert, utcnow
from wirewatch.core.settings import CommonSettings

pytestmark = pytest.mark.integration
SECRET = "shared-secret-0123456789"


class Receiver:
    """A webhook endpoint that fails its first `failures` calls, then accepts."""

    def __init__(self, failures: int):
        self.failures = failures
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.app = FastAPI()
        self.app.post("/hook")(self.hook)

    async def hook(self, request: Request) -> Response:
        self.calls.append((dict(request.headers), await request.body()))
        return Response(status_code=503 if len(self.calls) <= self.failures else 204)


def _settings(common: CommonSettings, **extra: Any) -> ApiSettings:
    options = {
        "api_keys": KEYS,
        "api_webhook_group_id": f"hooks.{common.topic_raw}",
        "api_webhook_backoff_s": 0.05,
        **extra,
    }
    return ApiSettings(**{**common.model_dump(), **options})


async def _subscribe(client: httpx.AsyncClient, url: str, **filters: Any) -> dict[str, Any]:
    body = {"url": url, "secret": SECRET, "filters": filters}
    answer = await client.post("/v1/webhooks", json=body, headers={"X-API-Key": ADMIN})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def _dispatcher_ready(app: FastAPI) -> None:
    state: ApiState = app.state.api

    async def assigned() -> bool:
        return state.dispatcher.assigned.is_set()

    await eventually(assigned)


@pytest.fixture
async def receiver_url() -> AsyncIterator[tuple[Receiver, str]]:
    receiver = Receiver(failures=2)
    async with listening(receiver.app, ready_path=None) as base:
        yield receiver, f"{base}/hook"


async def test_signed_delivery_after_retries(
    common: CommonSettings, receiver_url: tuple[Receiver, str]
) -> None:
    receiver, url = receiver_url
    settings = _settings(common)
    await kafka.ensure_topics(settings)
    app = create_app(settings)
    delivered = sample("wirewatch_api_webhook_deliveries_total", outcome="delivered")
    async with serving(app) as client:
        created = await _subscribe(client, url, severity=["high"])
        assert "secret" not in created
        await _dispatcher_ready(app)
        now = utcnow()  # alerts created before a subscription are not sent to it
        await publish(
            settings,
            [
                make_alert(1, severity="low", created=now),
                make_alert(2, severity="high", created=now),
            ],
        )

        async def three_calls() -> bool:
            return len(receiver.calls) >= 3

        await eventually(three_calls)
    headers, body = receiver.calls[-1]
    assert [h["x-wirewatch-attempt"] for h, _ in receiver.calls] == ["1", "2", "3"]
    assert Alert.model_validate_json(body).id == "alert-0002"  # the low one was filtered out
    assert headers["webhook-id"] == "alert-0002"  # the same on every attempt
    assert {h["webhook-id"] for h, _ in receiver.calls} == {"alert-0002"}
    # Verified as a receiver would: with the Standard Webhooks reference library.
    verifier = standardwebhooks.Webhook(base64.b64encode(SECRET.encode()).decode())
    assert verifier.verify(body, headers)["id"] == "alert-0002"
    tampered = body.replace(b"alert-0002", b"alert-0003")
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verifier.verify(tampered, headers)
    stale = {**headers, "webhook-timestamp": str(int(time.time()) - 3600)}
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        verifier.verify(body, stale)  # a replay an hour later is refused
    assert sample("wirewatch_api_webhook_deliveries_total", outcome="delivered") == delivered + 1


async def test_gives_up_after_the_attempt_limit(
    common: CommonSettings, caplog: pytest.LogCaptureFixture
) -> None:
    receiver = Receiver(failures=1_000)
    settings = _settings(common, api_webhook_max_attempts=3)
    await kafka.ensure_topics(settings)
    app = create_app(settings)
    gave_up = sample("wirewatch_api_webhook_deliveries_total", outcome="gave_up")
    async with listening(receiver.app, ready_path=None) as base, serving(app) as client:
        await _subscribe(client, f"{base}/hook")
        await _dispatcher_ready(app)
        with caplog.at_level(logging.WARNING, logger="wirewatch.api.webhooks"):
            await publish(settings, [make_alert(7, created=utcnow())])

            async def given_up() -> bool:
                count = float(sample("wirewatch_api_webhook_deliveries_total", outcome="gave_up"))
                return bool(count == gave_up + 1)

            await eventually(given_up)
    assert len(receiver.calls) == 3
    assert any("gave up on alert alert-0007 after 3 attempts" in r.message for r in caplog.records)


async def test_subscriptions_persist_across_restarts(common: CommonSettings) -> None:
    settings = _settings(common)
    await kafka.ensure_topics(settings)
    admin = {"X-API-Key": ADMIN}

    def fresh(n: int) -> FastAPI:  # its own group: no waiting out the previous member
        return create_app(
            settings.model_copy(update={"api_webhook_group_id": f"g{n}.{common.topic_raw}"})
        )

    async with serving(fresh(1)) as client:
        created = await _subscribe(client, "https://hooks.example.org/a", actor="Khalifa Haftar")
    async with serving(fresh(2)) as client:
        listed = (await client.get("/v1/webhooks", headers=admin)).json()
        one = (await client.get(f"/v1/webhooks/{created['id']}", headers=admin)).json()
        deleted = await client.delete(f"/v1/webhooks/{created['id']}", headers=admin)
        again = await client.delete(f"/v1/webhooks/{created['id']}", headers=admin)
    async with serving(fresh(3)) as client:
        after = (await client.get("/v1/webhooks", headers=admin)).json()
    assert listed == [created]
    assert one["filters"]["actor"] == "Khalifa Haftar"
    assert deleted.status_code == 204
    assert again.status_code == 404
    assert after == []


async def test_a_delivery_cut_short_by_stopping_is_not_committed(common: CommonSettings) -> None:
    """Stopping during a retry's back-off leaves the alert for the next start (at least once)."""
    receiver = Receiver(failures=1_000)
    settings = _settings(common, api_webhook_backoff_s=30.0)
    await kafka.ensure_topics(settings)
    app = create_app(settings)
    gave_up = sample("wirewatch_api_webhook_deliveries_total", outcome="gave_up")
    async with listening(receiver.app, ready_path=None) as base, serving(app) as client:
        await _subscribe(client, f"{base}/hook")
        await _dispatcher_ready(app)
        await publish(settings, [make_alert(9, created=utcnow())])

        async def first_attempt() -> bool:
            return len(receiver.calls) == 1

        await eventually(first_attempt)
        # The app has stopped, in the middle of the 30 s back-off.
    cons = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=settings.api_webhook_group_id,
        enable_auto_commit=False,
    )
    await cons.start()
    try:
        tps = [TopicPartition(settings.topic_alerts, p) for p in range(settings.topic_partitions)]
        committed = [await cons.committed(tp) for tp in tps]
    finally:
        await cons.stop()
    assert not any(committed), committed
    assert len(receiver.calls) == 1
    assert sample("wirewatch_api_webhook_deliveries_total", outcome="gave_up") == gave_up


async def test_a_slow_receiver_does_not_hold_up_the_others(common: CommonSettings) -> None:
    """One subscription's receiver fails and waits out a long back-off on the first alert;
    another subscription still gets the next alert at once."""
    stuck, fast = Receiver(failures=1_000), Receiver(failures=0)
    settings = _settings(common, api_webhook_backoff_s=120.0)
    await kafka.ensure_topics(settings)
    app = create_app(settings)
    async with (
        listening(stuck.app, ready_path=None) as stuck_base,
        listening(fast.app, ready_path=None) as fast_base,
        serving(app) as client,
    ):
        await _subscribe(client, f"{stuck_base}/hook")
        await _subscribe(client, f"{fast_base}/hook")
        await _dispatcher_ready(app)
        await publish(settings, [make_alert(1, created=utcnow())])

        async def fast_got(n: int) -> bool:
            return len(fast.calls) >= n and len(stuck.calls) >= 1

        await eventually(lambda: fast_got(1))
        await publish(settings, [make_alert(2, created=utcnow())])
        await eventually(lambda: fast_got(2), timeout_s=20)  # not after the 120 s back-off
    ids = [headers["webhook-id"] for headers, _ in fast.calls]
    assert ids == ["alert-0001", "alert-0002"]
    assert stuck.calls[0][0]["webhook-id"] == "alert-0001"
