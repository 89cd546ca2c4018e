"""Publishing articles: exact and near de-duplication; answers only after the broker's ack."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from aiokafka import AIOKafkaProducer

from wirewatch.core import headers
from wirewatch.core.ids import comparable_text
from wirewatch.core.models import RawArticle
from wirewatch.ingest.neardup import (
    SIGNATURE_HEADER,
    NearDuplicates,
    Signature,
    signature,
    to_bytes,
)

log = logging.getLogger(__name__)
Outcome = Literal["accepted", "duplicate"]
CONTENT_HASH_HEADER = "wirewatch-content-hash"  # what exact de-duplication compares
# An article this request publishes: its signature, content hash and message value.
Mine = tuple[RawArticle, Signature, str, bytes]


class PublishError(RuntimeError):
    """The broker did not acknowledge the articles in time; nothing may be reported stored."""


class TooLarge(ValueError):
    """An article whose message would exceed the broker's limit."""


class SeenIds:
    """Keys known to be on the raw topic, oldest forgotten first past capacity."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        return key in self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, key: str) -> None:
        self._ids[key] = None
        self._ids.move_to_end(key)
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)


def content_hash(article: RawArticle) -> str:
    """Of the normalised headline and text: the same text under another headline is a
    near-duplicate (published, same story), not an exact one."""
    content = comparable_text(article.title or "") + "\x00" + comparable_text(article.text)
    return hashlib.sha256(content.encode()).hexdigest()[:32]


class Dedup:
    """What ingest knows of the raw topic: ids, content hashes, near-duplicate index."""

    def __init__(self, capacity: int, near: NearDuplicates):
        self.ids = SeenIds(capacity)
        self.hashes = SeenIds(capacity)
        self.near = near

    def exact(self, article: RawArticle, digest: str | None = None) -> bool:
        return article.id in self.ids or (digest or content_hash(article)) in self.hashes

    def remember(
        self, article: RawArticle, minhash: Signature | None = None, digest: str | None = None
    ) -> None:
        """Record an article that is on the topic (ours, or read back at start)."""
        self.ids.add(article.id)
        self.hashes.add(digest or content_hash(article))
        if article.id not in self.near:
            story = article.story_id or article.id
            if minhash is None:
                minhash = signature(article.text)
            self.near.add(article.id, story, article.received_at, minhash)

    def story(self, article: RawArticle, minhash: Signature) -> RawArticle:
        """The article with its story: an earlier near-copy's, or its own id."""
        match = self.near.find(minhash)
        if match is None:
            return article.model_copy(update={"story_id": article.story_id or article.id})
        return article.model_copy(
            update={"story_id": match.story_id, "duplicate_of": match.article_id}
        )


@dataclass(frozen=True)
class Result:
    article: RawArticle  # as published: story_id and duplicate_of set
    status: Outcome


class ArticlePublisher:
    """Sends articles keyed by id with acks=all and reports each as accepted or duplicate."""

    def __init__(
        self,
        producer: AIOKafkaProducer,
        topic: str,
        dedup: Dedup,
        timeout_s: float,
        max_message_bytes: int = 900_000,
    ):
        self.producer = producer
        self.topic = topic
        self.dedup = dedup
        self.timeout_s = timeout_s
        self.max_message_bytes = max_message_bytes
        # Articles being sent right now: a concurrent repeat waits for the first one's fate.
        self._inflight: dict[str, asyncio.Future[None]] = {}

    def _classify(
        self, articles: Sequence[RawArticle], signatures: Mapping[str, Signature]
    ) -> tuple[list[Result], dict[str, Mine], list[asyncio.Future[None]]]:
        results: list[Result] = []
        mine: dict[str, Mine] = {}
        hashes: set[str] = set()
        waits: list[asyncio.Future[None]] = []
        for article in articles:
            digest = content_hash(article)
            if self.dedup.exact(article, digest) or article.id in mine or digest in hashes:
                results.append(Result(article, "duplicate"))
            elif (other := self._inflight.get(article.id)) is not None:
                waits.append(other)
                results.append(Result(article, "duplicate"))
            else:
                minhash = signatures.get(article.id)
                if minhash is None:
                    minhash = signature(article.text)
                article = self.dedup.story(article, minhash)
                # Indexed now, so a near-copy later in the same request finds it.
                self.dedup.near.add(
                    article.id, article.story_id or article.id, article.received_at, minhash
                )
                mine[article.id] = (article, minhash, digest, article.model_dump_json().encode())
                hashes.add(digest)
                results.append(Result(article, "accepted"))
        return results, mine, waits

    async def publish(
        self,
        articles: Sequence[RawArticle],
        signatures: Mapping[str, Signature] | None = None,
        trace_id: str | None = None,
    ) -> list[Result]:
        """Publish the new articles; raises PublishError unless the broker acked them all.

        `signatures`, by article id, are MinHashes already computed (off the event loop);
        `trace_id` marks the records of this request (a new one if not given)."""
        trace = trace_id or headers.new_trace_id()
        results, mine, waits = self._classify(articles, signatures or {})
        self._check_sizes(mine)
        for article_id in mine:
            self._inflight[article_id] = asyncio.get_running_loop().create_future()
        try:
            sending = self._send_all(list(mine.values()), waits, trace)
            await asyncio.wait_for(sending, self.timeout_s)
        except BaseException as exc:
            self._settle(mine, exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
            raise PublishError(_reason(exc)) from exc
        self._settle(mine, None)
        return results

    def _check_sizes(self, mine: dict[str, Mine]) -> None:
        """Refuse the whole request if one message is over the limit, before anything is sent."""
        for article_id, (_, _, _, value) in mine.items():
            if len(value) > self.max_message_bytes:
                for indexed in mine:
                    self.dedup.near.remove(indexed)  # classified, never published
                raise TooLarge(
                    f"article {article_id} is over {self.max_message_bytes} bytes as a message"
                )

    async def _send_all(
        self, articles: list[Mine], waits: list[asyncio.Future[None]], trace: str
    ) -> None:
        deliveries = []
        for article, minhash, digest, value in articles:
            deliveries.append(await self._send(article.id, value, minhash, digest, trace))
        results = await asyncio.gather(*deliveries, return_exceptions=True)
        for (article, minhash, digest, _), result in zip(articles, results, strict=True):
            if not isinstance(result, BaseException):
                self.dedup.remember(article, minhash, digest)  # stored, even if a sibling failed
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]
        # A repeat of an article still in flight is a duplicate only once that one is stored.
        await asyncio.gather(*(asyncio.shield(w) for w in waits))

    async def _send(
        self, article_id: str, value: bytes, minhash: Signature, digest: str, trace: str
    ) -> Any:
        # What de-duplication computed rides along, so a restart need not compute it again.
        record_headers = [
            *headers.message_headers("article.raw.v1", "ingest", trace),
            (CONTENT_HASH_HEADER, digest.encode()),
            (SIGNATURE_HEADER, to_bytes(minhash)),
        ]
        return await self.producer.send(
            self.topic, value=value, key=article_id.encode(), headers=record_headers
        )

    def _settle(self, mine: dict[str, Mine], exc: BaseException | None) -> None:
        for article_id in mine:
            stored = article_id in self.dedup.ids
            if not stored:
                self.dedup.near.remove(article_id)  # never published: not a story to join
            fut = self._inflight.pop(article_id, None)
            if fut is None or fut.done():
                continue
            if exc is None or stored:
                fut.set_result(None)
            else:
                fut.set_exception(PublishError(_reason(exc)))
                fut.exception()  # marks it retrieved: nobody may be waiting on it


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return "the broker did not acknowledge in time"
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
