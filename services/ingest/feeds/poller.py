"""Polling: a consumer group on the feeds topic decides which replica polls which feed."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from aiokafka import ConsumerRebalanceListener, TopicPartition

from wirewatch.core import kafka
from wirewatch.core.lifecycle import sleep_or_stop
from wirewatch.core.models import utcnow
from wirewatch.ingest import metrics
from wirewatch.ingest.feeds.fetch import FetchError, fetch, full_text
from wirewatch.ingest.feeds.model import Feed, FeedState
from wirewatch.ingest.feeds.store import FeedBook
from wirewatch.ingest.publisher import PublishError
from wirewatch.ingest.settings import IngestSettings

log = logging.getLogger(__name__)
# Submits feed entries as articles; returns how many were published (new or near-copies).
Submit = Callable[[list[dict[str, Any]]], Awaitable[int]]


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, poller: Poller):
        self.poller = poller

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.poller.release({tp.partition for tp in revoked})

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        # Re-read our partitions from the start: they hold the feeds we now own.
        if assigned and self.poller.consumer is not None:
            await self.poller.consumer.seek_to_beginning(*assigned)


class Poller:
    """Polls the feeds in this replica's partitions of the feeds topic, each on its interval.

    When a replica dies, the group gives its partitions, and so its feeds, to the others.
    """

    def __init__(self, settings: IngestSettings, book: FeedBook, submit: Submit):
        self.settings = settings
        self.book = book
        self.submit = submit
        self.owned: dict[str, tuple[int, Feed]] = {}  # name -> (partition, feed)
        self.due: dict[str, float] = {}
        self.running: dict[str, asyncio.Task[None]] = {}
        self.consumer: Any = None
        self.slots = asyncio.Semaphore(settings.ingest_feed_concurrency)

    def release(self, partitions: set[int]) -> None:
        for name in [n for n, (p, _) in self.owned.items() if p in partitions]:
            del self.owned[name]
            task = self.running.pop(name, None)
            if task is not None:
                task.cancel()

    def _apply(self, record: Any) -> None:
        name = (record.key or b"").decode()
        if not record.value:
            self.owned.pop(name, None)
            return
        feed = Feed.model_validate_json(record.value)
        self.owned[name] = (record.partition, feed)
        self.due.setdefault(name, 0.0)

    async def run(self, stop: asyncio.Event) -> None:
        s = self.settings
        # Join the group only once there is a feed: no rebalances for replicas without feeds.
        while not self.book.feeds.rows:
            if await sleep_or_stop(stop, 1.0):
                return
        cons = kafka.consumer(s, group_id=s.ingest_feed_group_id)
        cons.subscribe([s.topic_feeds], listener=_Listener(self))
        self.consumer = cons
        await kafka.start_when_ready(cons, s.kafka_connect_timeout_s, stop)
        headers = {"User-Agent": f"{s.ingest_feed_user_agent} ({s.ingest_replica_id})"}
        try:
            async with httpx.AsyncClient(
                follow_redirects=True, timeout=s.ingest_feed_timeout_s, headers=headers
            ) as http:
                while not stop.is_set():
                    batch = await kafka.poll(cons, stop, 500)
                    for records in batch.values():
                        for record in records:
                            self._apply(record)
                    self._start_due(http)
        finally:
            for task in self.running.values():
                task.cancel()
            await asyncio.gather(*self.running.values(), return_exceptions=True)
            await cons.stop()

    def _start_due(self, http: httpx.AsyncClient) -> None:
        now = time.monotonic()
        for name, (_, feed) in list(self.owned.items()):
            if self.due.get(name, 0.0) <= now and name not in self.running:
                task = asyncio.create_task(self._poll(http, feed), name=f"feed:{name}")
                self.running[name] = task
                task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        name = task.get_name().removeprefix("feed:")
        if self.running.get(name) is task:
            del self.running[name]

    async def _poll(self, http: httpx.AsyncClient, feed: Feed) -> None:
        async with self.slots:
            state = self.book.state(feed.name).model_copy(deep=True)
            try:
                await self._fetch_and_submit(http, feed, state)
            except FetchError as exc:
                self._failed(feed, state, exc.kind, str(exc))
            except PublishError as exc:  # entries stay unseen: they are tried again next time
                self._failed(feed, state, "publish", str(exc))
            except Exception as exc:  # a bug or a broker outage must not kill the poller
                log.exception("feed %s: unexpected error", feed.name)
                self._failed(feed, state, "internal", f"{type(exc).__name__}: {exc}")
            await self.book.states.put(state)

    async def _fetch_and_submit(
        self, http: httpx.AsyncClient, feed: Feed, state: FeedState
    ) -> None:
        fetched = await fetch(http, feed, state)
        new = [(k, a) for k, a in fetched.entries if k not in state.seen]
        if feed.full_text:
            await self._add_full_text(http, new)
        published = await self.submit([a for _, a in new]) if new else 0
        state.remember([k for k, _ in new])
        state.etag, state.last_modified = fetched.etag, fetched.last_modified
        state.last_success, state.last_error, state.consecutive_errors = utcnow(), None, 0
        state.entries_seen += len(new)
        state.articles_published += published
        metrics.FEED_ENTRIES.labels(feed.name).inc(len(new))
        metrics.FEED_ARTICLES.labels(feed.name).inc(published)
        metrics.FEED_LAST_SUCCESS.labels(feed.name).set(time.time())
        self.due[feed.name] = time.monotonic() + feed.interval_s

    async def _add_full_text(
        self, http: httpx.AsyncClient, entries: list[tuple[str, dict[str, Any]]]
    ) -> None:
        for _, article in entries:
            summary = article.get("html") or ""
            if article.get("url") and len(summary) < 1_000:  # a teaser: get the page itself
                page = await full_text(http, article["url"])
                if page:
                    article["html"] = page

    def _failed(self, feed: Feed, state: FeedState, kind: str, detail: str) -> None:
        state.consecutive_errors += 1
        state.last_error = detail[:500]
        metrics.FEED_ERRORS.labels(feed.name, kind).inc()
        backoff = min(
            feed.interval_s * 2 ** min(state.consecutive_errors, 16),
            self.settings.ingest_feed_max_backoff_s,
        )
        self.due[feed.name] = time.monotonic() + backoff
        log.warning("feed %s: %s (retry in %.0fs)", feed.name, detail, backoff)
