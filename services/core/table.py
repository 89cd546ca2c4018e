"""A compacted topic as a table: the latest model per key, rebuilt by reading, written through."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from aiokafka import AIOKafkaProducer
from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)


class TopicTable(Generic[M]):
    """Rows keyed as on the topic. Every replica applies every record it reads (a TopicTail
    calls `apply`); a write goes to the topic first (acks=all) and only then into `rows`, so
    what a caller is told was stored is on the broker. The topic is compacted: the last
    record per key is the row, an empty value (a tombstone) deletes it."""

    def __init__(
        self,
        topic: str,
        model: type[M],
        key: Callable[[M], str],
        changed: Callable[[int], None] | None = None,
    ):
        self.topic, self.model, self.key = topic, model, key
        self.changed = changed  # told the number of rows after every change
        self.rows: dict[str, M] = {}
        self.producer: AIOKafkaProducer | None = None  # set once the service's producer runs

    def apply(self, record: Any) -> None:
        """One record read from the topic; one that is not a valid row is logged and skipped."""
        key = (record.key or b"").decode()
        if not record.value:
            self.rows.pop(key, None)
        else:
            try:
                self.rows[key] = self.model.model_validate_json(record.value)
            except ValidationError:
                log.warning("%s: invalid record for key %r skipped", self.topic, key)
                return
        self._changed()

    async def put(self, row: M) -> None:
        key = self.key(row)
        await self._writer().send_and_wait(self.topic, row.model_dump_json().encode(), key.encode())
        self.rows[key] = row
        self._changed()

    async def delete(self, key: str) -> bool:
        """Write a tombstone; False if there was no such row."""
        if key not in self.rows:
            return False
        await self._writer().send_and_wait(self.topic, None, key.encode())
        self.rows.pop(key, None)
        self._changed()
        return True

    def _writer(self) -> AIOKafkaProducer:
        if self.producer is None:
            raise RuntimeError(f"{self.topic}: written to before the producer started")
        return self.producer

    def _changed(self) -> None:
        if self.changed is not None:
            self.changed(len(self.rows))
