"""How a batch's outputs and its input offsets are made final: one transaction, or in turn."""

from __future__ import annotations

import contextlib
import logging
import socket
from typing import Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import (
    CommitFailedError,
    IllegalStateError,
    KafkaError,
    ProducerFenced,
)

from wirewatch.enrich.settings import EnrichSettings

log = logging.getLogger(__name__)
Offsets = dict[TopicPartition, int]


class Fenced(RuntimeError):
    """Another worker with this transactional id has started: this one must stop."""


class Committer(Protocol):
    """Brackets one batch: `begin`, the batch's sends, then `commit` or `abort`."""

    exactly_once: bool

    async def begin(self) -> None: ...

    async def commit(self, offsets: Offsets) -> None: ...

    async def abort(self) -> None: ...


class AtLeastOnce:
    """Outputs acknowledged first, offsets committed after: a crash in between repeats a
    batch (consumers de-duplicate by id). The only mode on brokers without transactions."""

    exactly_once = False

    def __init__(self, consumer: AIOKafkaConsumer):
        self.consumer = consumer

    async def begin(self) -> None:
        return None

    async def commit(self, offsets: Offsets) -> None:
        try:
            await self.consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # A rebalance took the partitions away; their new owner re-reads from the last commit.
            log.warning("commit failed after a rebalance (%s); outputs may repeat", exc)

    async def abort(self) -> None:
        return None


class Transactional:
    """Outputs and input offsets in one Kafka transaction: a `read_committed` consumer sees
    each batch's outputs once, whatever happens to the worker."""

    exactly_once = True

    def __init__(self, producer: AIOKafkaProducer, group_id: str):
        self.producer = producer
        self.group_id = group_id

    async def begin(self) -> None:
        await self._fenced_is_fatal(self.producer.begin_transaction())

    async def commit(self, offsets: Offsets) -> None:
        await self._fenced_is_fatal(
            self.producer.send_offsets_to_transaction(offsets, self.group_id)
        )
        await self._fenced_is_fatal(self.producer.commit_transaction())

    async def abort(self) -> None:
        # aiokafka has no public "in a transaction" test; aborting outside one raises.
        if self.producer._txn_manager.is_in_transaction():
            with contextlib.suppress(KafkaError):
                await self.producer.abort_transaction()

    @staticmethod
    async def _fenced_is_fatal(step: object) -> None:
        try:
            await step  # type: ignore[misc]
        except ProducerFenced as exc:
            raise Fenced(f"fenced by a newer worker with the same transactional id: {exc}") from exc


def transactional_id(settings: EnrichSettings) -> str:
    """Stable for one worker slot, so its restart fences the old process and at once
    aborts the transaction it left open (no wait for the transaction timeout)."""
    if settings.enrich_transactional_id:
        return settings.enrich_transactional_id
    host = socket.gethostname()
    return f"{settings.enrich_group_id}-{host}-{settings.enrich_metrics_port}"
