"""Feed definitions and states on their topics: read by every replica, written through here."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from wirewatch.core.models import utcnow
from wirewatch.core.settings import CommonSettings
from wirewatch.core.table import TopicTable
from wirewatch.ingest.feeds.model import Feed, FeedIn, FeedState


class FeedBook:
    """Every feed and its latest state, as the two topics say (last record per name wins)."""

    def __init__(self, settings: CommonSettings) -> None:
        self.feeds = TopicTable(settings.topic_feeds, Feed, lambda f: f.name)
        self.states = TopicTable(settings.topic_feed_state, FeedState, lambda s: s.name)

    @property
    def writable(self) -> bool:
        return self.feeds.producer is not None

    def bind(self, producer: AIOKafkaProducer) -> None:
        """Writes go through this producer from now on."""
        self.feeds.producer = self.states.producer = producer

    def state(self, name: str) -> FeedState:
        return self.states.rows.get(name) or FeedState(name=name)

    async def put(self, spec: FeedIn) -> Feed:
        """Store a definition; an unchanged one writes no new record."""
        known = self.feeds.rows.get(spec.name)
        if (
            known is not None
            and FeedIn.model_validate(known.model_dump(exclude={"created_at"})) == spec
        ):
            return known
        feed = Feed(**spec.model_dump(), created_at=known.created_at if known else utcnow())
        await self.feeds.put(feed)
        return feed
