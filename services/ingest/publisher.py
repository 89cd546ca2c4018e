"""Publishing accepted articles: exact de-duplication by id, answer only after the broker's ack."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Literal

from aiokafka import AIOKafkaProducer

from services.core.models import RawArticle

log = logging.getLogger(__name__)
Outcome = Literal["accepted", "duplicate"]
SCHEMA_HEADER = ("wirewatch-schema", b"article.raw.v1")


class PublishError(RuntimeError):
    """The broker did not acknowledge the articles in time; nothing may be reported stored."""


class SeenIds:
    """Article ids known to be on the raw topic, oldest forgotten first past capacity."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, article_id: str) -> None:
        self._ids[article_id] = None
        self._ids.move_to_end(article_id)
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)


class ArticlePublisher:
    """Sends articles keyed by id with acks=all and reports each as accepted or duplicate."""

    def __init__(self, producer: AIOKafkaProducer, topic: str, seen: SeenIds, timeout_s: float):
        self.producer = producer
        self.topic = topic
        self.seen = seen
        self.timeout_s = timeout_s
        # Articles being sent right now: a concurrent repeat waits for the first one's fate.
        self._inflight: dict[str, asyncio.Future[None]] = {}

    async def publish(self, articles: Sequence[RawArticle]) -> list[Outcome]:
        """Publish the new articles; raises PublishError unless the broker acked them all."""
        outcomes: list[Outcome] = []
        mine: dict[str, RawArticle] = {}
        waits: list[asyncio.Future[None]] = []
        for article in articles:
            if article.id in self.seen or article.id in mine:
                outcomes.append("duplicate")
            elif (other := self._inflight.get(article.id)) is not None:
                waits.append(other)
                outcomes.append("duplicate")
            else:
                mine[article.id] = article
                outcomes.append("accepted")
        for article_id in mine:
            self._inflight[article_id] = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(self._send_all(list(mine.values()), waits), self.timeout_s)
        except BaseException as exc:
            self._settle(mine, exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise PublishError(_reason(exc)) from exc
        self._settle(mine, None)
        return outcomes

    async def _send_all(
        self, articles: list[RawArticle], waits: list[asyncio.Future[None]]
    ) -> None:
        deliveries = []
        for article in articles:
            deliveries.append(await self._send(article))
        results = await asyncio.gather(*deliveries, return_exceptions=True)
        for article, result in zip(articles, results, strict=True):
            if not isinstance(result, BaseException):
                self.seen.add(article.id)  # stored, even if a sibling failed
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]
        # A repeat of an article still in flight is a duplicate only once that one is stored.
        await asyncio.gather(*(asyncio.shield(w) for w in waits))

    async def _send(self, article: RawArticle) -> Any:
        value = article.model_dump_json(exclude_none=False).encode()
        return await self.producer.send(
            self.topic, value=value, key=article.id.encode(), headers=[SCHEMA_HEADER]
        )

    def _settle(self, mine: dict[str, RawArticle], exc: BaseException | None) -> None:
        for article_id in mine:
            fut = self._inflight.pop(article_id, None)
            if fut is None or fut.done():
                continue
            if exc is None or article_id in self.seen:
                fut.set_result(None)
            else:
                fut.set_exception(PublishError(_reason(exc)))
                fut.exception()  # marks it retrieved: nobody may be waiting on it


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "the broker did not acknowledge in time"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
