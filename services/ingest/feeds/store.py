"""Feed definitions and states on their topics: read by every replica, written through here."""

from __future__ import annotations

import logging
from typing import Any

from aiokafka import AIOKafkaProducer
from pydantic import ValidationError

from services.core.models import utcnow
from services.core.settings import CommonSettings
from services.ingest.feeds.model import Feed, FeedIn, FeedState

log = logging.getLogger(__name__)


class FeedBook:
    """Every feed and its latest state, as the two topics say (last record per name wins)."""

    def __init__(self) -> None:
        self.feeds: dict[str, Feed] = {}
        self.states: dict[str, FeedState] = {}

    def apply_feed(self, record: Any) -> None:
        name = (record.key or b"").decode()
        if not record.value:
            self.feeds.pop(name, None)
            return
        try:
            self.feeds[name] = Feed.model_validate_json(record.value)
        except ValidationError:
            log.warning("invalid feed record for %r ignored", name)

    def apply_state(self, record: Any) -> None:
        try:
            state = FeedState.model_validate_json(record.value or b"")
        except ValidationError:
            return
        self.states[state.name] = state

    def state(self, name: str) -> FeedState:
        return self.states.get(name) or FeedState(name=name)


class FeedWriter:
    """Writes definitions and states (acks=all) and applies them to the local book at once."""

    def __init__(self, producer: AIOKafkaProducer, settings: CommonSettings, book: FeedBook):
        self.producer, self.settings, self.book = producer, settings, book

    async def put(self, spec: FeedIn) -> Feed:
        known = self.book.feeds.get(spec.name)
        if (
            known is not None
            and FeedIn.model_validate(known.model_dump(exclude={"created_at"})) == spec
        ):
            return known  # unchanged: no new record
        feed = Feed(**spec.model_dump(), created_at=known.created_at if known else utcnow())
        await self.producer.send_and_wait(
            self.settings.topic_feeds, feed.model_dump_json().encode(), feed.name.encode()
        )
        self.book.feeds[feed.name] = feed
        return feed

    async def delete(self, name: str) -> bool:
        if name not in self.book.feeds:
            return False
        await self.producer.send_and_wait(self.settings.topic_feeds, None, name.encode())
        self.book.feeds.pop(name, None)
        return True

    async def save_state(self, state: FeedState) -> None:
        await self.producer.send_and_wait(
            self.settings.topic_feed_state, state.model_dump_json().encode(), state.name.encode()
        )
        self.book.states[state.name] = state
