"""Opaque cursors: a position in the alert view that survives inserts and replica changes."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

import orjson


class BadCursor(ValueError):
    """A cursor that was not made by this API (or was altered)."""


@dataclass(frozen=True, order=True)
class Position:
    """Where an alert sits in the view: ordered by creation time, then id.

    `epoch` and `seq` name the replica and its insertion counter, so the replica
    that issued a cursor can also find alerts that arrived late with older times.
    """

    created_at: datetime
    id: str
    epoch: str = ""
    seq: int = 0

    @property
    def key(self) -> tuple[datetime, str]:
        return self.created_at, self.id

    def encode(self) -> str:
        raw = orjson.dumps([self.created_at.isoformat(), self.id, self.epoch, self.seq])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Position:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            created, alert_id, epoch, seq = orjson.loads(raw)
            return cls(datetime.fromisoformat(created), str(alert_id), str(epoch), int(seq))
        except (ValueError, TypeError, orjson.JSONDecodeError) as exc:
            raise BadCursor("invalid cursor") from exc
