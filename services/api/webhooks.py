"""Webhooks: subscriptions kept on a Kafka topic, alerts delivered signed, retried, given up."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import random
import time
import uuid
from collections import deque
from typing import Any

import httpx
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

from wirewatch.api import metrics
from wirewatch.api.responses import StoredWebhook, WebhookFilters, WebhookIn
from wirewatch.api.settings import ApiSettings
from wirewatch.api.view import AlertQuery
from wirewatch.core import kafka
from wirewatch.core.lifecycle import sleep_or_stop
from wirewatch.core.models import Alert, utcnow
from wirewatch.core.table import TopicTable

log = logging.getLogger(__name__)
# Standard Webhooks (standardwebhooks.com): receivers verify with its libraries.
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)


class Interrupted(Exception):
    """Stopping cut a delivery's retries short: it has not been delivered nor given up."""


def signing_key(secret: str) -> bytes:
    """A Standard Webhooks secret (`whsec_` + base64) is its decoded bytes; any other
    secret is its UTF-8 bytes (receivers then pass `whsec_` + base64 of it to a verifier)."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX) + "==")
    return secret.encode()


def sign(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256(key, id + "." + timestamp + "." + body)>`."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def backoff(delay: float, rng: random.Random = random.Random()) -> float:  # noqa: B008
    """The wait before a retry: `delay` with ±20 % jitter, so receivers that failed together
    are not retried in lock step."""
    return delay * rng.uniform(0.8, 1.2)


def query_of(filters: WebhookFilters) -> AlertQuery:
    return AlertQuery(
        severities=frozenset(filters.severity),
        rules=frozenset(filters.rule),
        tags=frozenset(filters.tag),
        actor=filters.actor,
        q=filters.q,
    )


Subscriptions = TopicTable[StoredWebhook]


def subscriptions(topic: str) -> Subscriptions:
    """The subscriptions, rebuilt from the webhooks topic (last record per id wins)."""
    return TopicTable(topic, StoredWebhook, lambda s: s.id, metrics.WEBHOOK_SUBSCRIPTIONS.set)


async def subscribe(table: Subscriptions, spec: WebhookIn) -> StoredWebhook:
    """A new subscription, stored on the topic before it is answered."""
    sub = StoredWebhook(
        id=uuid.uuid4().hex,
        url=str(spec.url),
        filters=spec.filters,
        secret=spec.secret,
        created_at=utcnow(),
    )
    await table.put(sub)
    return sub


class Dispatcher:
    """A consumer group on the alerts topic: each new alert goes to the matching
    subscriptions once across all api replicas (at least once).

    Alerts are dispatched as they are read, each on its own, so one slow or failing
    receiver does not hold up the others: a partition's offset is committed up to the
    first alert whose deliveries are not all done (delivered or given up). Reading
    pauses while `api_webhook_max_in_flight` alerts are in hand, and each subscription
    gets at most `api_webhook_concurrency` requests at a time."""

    def __init__(self, settings: ApiSettings, registry: Subscriptions):
        self.settings = settings
        self.registry = registry
        self.assigned = asyncio.Event()  # set once the group gave us partitions
        self._lanes: dict[str, asyncio.Semaphore] = {}

    async def run(self, stop: asyncio.Event) -> None:
        s = self.settings
        # From the earliest offset (the embedded broker cannot look up "latest"); each
        # subscription only gets alerts created after it, and commits keep the place.
        cons = kafka.consumer(s, s.topic_alerts, group_id=s.api_webhook_group_id)
        await kafka.start_when_ready(cons, s.kafka_connect_timeout_s, stop)
        in_hand = InHand()
        try:
            async with httpx.AsyncClient(timeout=s.api_webhook_timeout_s) as http:
                while not stop.is_set() and not in_hand.interrupted:
                    if len(in_hand) >= s.api_webhook_max_in_flight:
                        await in_hand.wait_any(0.5)  # back-pressure: read no further
                    else:
                        await self._read(cons, http, in_hand, stop)
                    await _commit(cons, in_hand)
                # Stopping: retries end at once (Interrupted), requests within their timeout.
                await in_hand.settle()
                await _commit(cons, in_hand)
                if in_hand.interrupted:
                    # Not committed: the next start delivers these again (at least once).
                    log.info("stopping with deliveries in retry; they resume at next start")
        finally:
            await cons.stop()

    async def _read(
        self, cons: Any, http: httpx.AsyncClient, in_hand: InHand, stop: asyncio.Event
    ) -> None:
        timeout = 100 if len(in_hand) else 500  # look often while deliveries finish
        batch = await kafka.poll(cons, stop, timeout, 100)
        if cons.assignment():
            self.assigned.set()
        for tp, records in batch.items():
            for record in records:
                task = asyncio.create_task(self._dispatch(http, record, stop))
                in_hand.add(tp, record.offset, task)

    async def _dispatch(self, http: httpx.AsyncClient, record: Any, stop: asyncio.Event) -> None:
        try:
            alert = Alert.model_validate_json(record.value or b"")
        except ValueError:
            return  # the view counts invalid alerts; nothing to deliver
        if alert.revision != 0:
            return  # receivers de-duplicate by alert id: only the first version is sent
        subs = [
            s
            for s in self.registry.rows.values()
            if alert.created_at >= s.created_at and query_of(s.filters).accepts(alert)
        ]
        body = alert.model_dump_json().encode()
        started = time.perf_counter()
        await asyncio.gather(*(self._in_lane(http, sub, alert.id, body, stop) for sub in subs))
        if subs:
            metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)

    async def _in_lane(
        self,
        http: httpx.AsyncClient,
        sub: StoredWebhook,
        alert_id: str,
        body: bytes,
        stop: asyncio.Event,
    ) -> bool:
        lane = self._lanes.get(sub.id)
        if lane is None:
            lane = self._lanes[sub.id] = asyncio.Semaphore(self.settings.api_webhook_concurrency)
        async with lane:
            return await self.deliver(http, sub, alert_id, body, stop)

    async def deliver(
        self,
        http: httpx.AsyncClient,
        sub: StoredWebhook,
        alert_id: str,
        body: bytes,
        stop: asyncio.Event,
    ) -> bool:
        s = self.settings
        delay = s.api_webhook_backoff_s
        for attempt in range(1, s.api_webhook_max_attempts + 1):
            timestamp = str(int(time.time()))  # receivers refuse old ones: no replays
            headers = {
                "content-type": "application/json",
                "user-agent": "wirewatch-webhooks/1",
                ID_HEADER: alert_id,  # the same on every attempt: receivers de-duplicate by it
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(sub.secret.get_secret_value(), alert_id, timestamp, body),
                "X-Wirewatch-Attempt": str(attempt),
            }
            try:
                response = await http.post(sub.url, content=body, headers=headers)
                if 200 <= response.status_code < 300:
                    metrics.WEBHOOK_DELIVERIES.labels("delivered").inc()
                    return True
                why = f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                why = f"{type(exc).__name__}: {exc}"
            if attempt == s.api_webhook_max_attempts:
                break
            if await sleep_or_stop(stop, backoff(delay)):
                raise Interrupted(alert_id)
            metrics.WEBHOOK_DELIVERIES.labels("retried").inc()
            delay = min(delay * 2, s.api_webhook_backoff_max_s)
        metrics.WEBHOOK_DELIVERIES.labels("gave_up").inc()
        log.warning(
            "webhook %s gave up on alert %s after %d attempts: %s", sub.id, alert_id, attempt, why
        )
        return False


class InHand:
    """Dispatches in progress, per partition in offset order."""

    def __init__(self) -> None:
        self.tasks: dict[TopicPartition, deque[tuple[int, asyncio.Task[None]]]] = {}
        self.interrupted = False

    def __len__(self) -> int:
        return sum(len(q) for q in self.tasks.values())

    def add(self, tp: TopicPartition, offset: int, task: asyncio.Task[None]) -> None:
        self.tasks.setdefault(tp, deque()).append((offset, task))

    def committable(self) -> dict[TopicPartition, int]:
        """Next offset to commit per partition: past the finished head of each queue.
        A failure other than being interrupted is a bug: it is raised."""
        out = {}
        for tp, queue in self.tasks.items():
            while queue and queue[0][1].done():
                error = queue[0][1].exception()
                if isinstance(error, Interrupted):
                    self.interrupted = True
                    break
                if error is not None:
                    raise error
                out[tp] = queue.popleft()[0] + 1
        return out

    def forget(self, keep: set[TopicPartition]) -> None:
        """Drop partitions no longer ours (their new owner delivers from the last commit)."""
        for tp in [tp for tp in self.tasks if tp not in keep]:
            del self.tasks[tp]

    async def wait_any(self, timeout_s: float) -> None:
        pending = [t for q in self.tasks.values() for _, t in q if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)

    async def settle(self) -> None:
        tasks = [t for q in self.tasks.values() for _, t in q]
        await asyncio.gather(*tasks, return_exceptions=True)


async def _commit(cons: Any, in_hand: InHand) -> None:
    offsets = in_hand.committable()
    if not offsets:
        return
    try:
        await cons.commit(offsets)
    except (CommitFailedError, IllegalStateError) as exc:
        log.warning("webhook commit failed after a rebalance (%s); deliveries may repeat", exc)
        in_hand.forget(cons.assignment())
