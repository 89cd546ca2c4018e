"""The alert view: alerts from the topic, de-duplicated by id, newest first, bounded."""

from __future__ import annotations

import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from services.core.ids import actor_slug
from services.core.models import Alert


@dataclass(frozen=True)
class AlertQuery:
    since: datetime | None = None
    severities: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    actor: str | None = None
    limit: int = 100

    def accepts(self, alert: Alert) -> bool:
        if self.since is not None and alert.created_at < self.since:
            return False
        if self.severities and alert.severity not in self.severities:
            return False
        if self.rules and alert.rule_id not in self.rules:
            return False
        return self.actor is None or _names_actor(alert, self.actor)


def _names_actor(alert: Alert, wanted: str) -> bool:
    folded, slug = wanted.casefold(), actor_slug(wanted)
    return any(a.name.casefold() == folded or a.id == slug for a in alert.actors)


class AlertView:
    """Alerts by id plus an index ordered by (created_at, id); the oldest leave first."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._by_id: dict[str, Alert] = {}
        self._order: list[tuple[datetime, str]] = []

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, alert: Alert) -> Literal["added", "updated", "duplicate"]:
        """Insert an alert, or replace it by a newer revision."""
        known = self._by_id.get(alert.id)
        if known is not None:
            if alert.revision <= known.revision:
                return "duplicate"
            # Same id, same created_at: the index entry stays where it is.
            self._by_id[alert.id] = alert.model_copy(update={"created_at": known.created_at})
            return "updated"
        self._by_id[alert.id] = alert
        bisect.insort(self._order, (alert.created_at, alert.id))
        while len(self._order) > self.capacity:
            _, oldest = self._order.pop(0)
            del self._by_id[oldest]
        return "added"

    def get(self, alert_id: str) -> Alert | None:
        return self._by_id.get(alert_id)

    def newest(self) -> Iterator[Alert]:
        for _, alert_id in reversed(self._order):
            yield self._by_id[alert_id]

    def query(self, q: AlertQuery) -> list[Alert]:
        out: list[Alert] = []
        for alert in self.newest():
            if q.since is not None and alert.created_at < q.since:
                break  # ordered by created_at: nothing older can match
            if q.accepts(alert):
                out.append(alert)
                if len(out) >= q.limit:
                    break
        return out
