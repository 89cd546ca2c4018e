"""The alert view: alerts from the topic, newest revision per id, bounded, indexed, observable."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from wirewatch.api.cursor import Position
from wirewatch.core.ids import actor_slug
from wirewatch.core.models import Alert, utcnow

Outcome = Literal["added", "updated", "duplicate"]
Listener = Callable[[Alert, Position], None]


@dataclass(frozen=True)
class AlertQuery:
    since: datetime | None = None
    until: datetime | None = None
    severities: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    actor: str | None = None
    q: str | None = None
    limit: int = 100

    def accepts(self, alert: Alert) -> bool:
        if self.since is not None and alert.created_at < self.since:
            return False
        if self.until is not None and alert.created_at >= self.until:
            return False
        if self.severities and alert.severity not in self.severities:
            return False
        if self.rules and alert.rule_id not in self.rules:
            return False
        if self.tags and not self.tags.intersection(alert.tags):
            return False
        if self.q and self.q.casefold() not in (alert.title or "").casefold():
            return False
        return self.actor is None or _names_actor(alert, self.actor)


def _names_actor(alert: Alert, wanted: str) -> bool:
    folded, slug = wanted.casefold(), actor_slug(wanted)
    return any(a.name.casefold() == folded or a.id == slug for a in alert.actors)


def _index_keys(alert: Alert) -> Iterable[str]:
    yield f"severity:{alert.severity}"
    yield f"rule:{alert.rule_id}"
    for tag in alert.tags:
        yield f"tag:{tag}"
    for actor in alert.actors:
        yield f"actor:{actor.id}"
        yield f"actor:{actor_slug(actor.name)}"


class AlertView:
    """Alerts by id, ordered by (created_at, id), indexed by severity, rule, tag and actor."""

    def __init__(self, capacity: int, window_s: float = 0.0):
        self.capacity = capacity
        self.window_s = window_s
        self.epoch = uuid.uuid4().hex[:8]
        self.version = 0  # bumps on every change: ETags and waiters use it
        self._seq = 0
        self._by_id: dict[str, Alert] = {}
        self._json: dict[str, bytes] = {}  # each alert serialised once, for pages and streams
        self._pos: dict[str, Position] = {}
        self._order: list[tuple[datetime, str]] = []
        self._by_seq: list[tuple[int, str]] = []  # insertion order; stale entries skipped
        self._index: dict[str, set[str]] = defaultdict(set)
        self._changed = asyncio.Event()
        self.listeners: list[Listener] = []

    def __len__(self) -> int:
        return len(self._by_id)

    def add(self, alert: Alert) -> Outcome:
        """Insert an alert, or replace it by a newer revision."""
        known = self._by_id.get(alert.id)
        if known is not None:
            if alert.revision <= known.revision:
                return "duplicate"
            # Same id, same created_at: the alert keeps its place in the order.
            alert = alert.model_copy(update={"created_at": known.created_at})
            self._unindex(known)
            outcome: Outcome = "updated"
        else:
            bisect.insort(self._order, (alert.created_at, alert.id))
            outcome = "added"
        self._seq += 1
        self._by_id[alert.id] = alert
        self._json.pop(alert.id, None)
        self._pos[alert.id] = Position(alert.created_at, alert.id, self.epoch, self._seq)
        self._by_seq.append((self._seq, alert.id))
        if len(self._by_seq) > 2 * len(self._by_id) + 1024:
            self._by_seq = [
                (p.seq, i) for i, p in sorted(self._pos.items(), key=lambda x: x[1].seq)
            ]
        for key in _index_keys(alert):
            self._index[key].add(alert.id)
        self._evict()
        if alert.id in self._pos:  # not evicted at once for being outside the window
            self._notify(alert)
        return outcome

    def _unindex(self, alert: Alert) -> None:
        for key in _index_keys(alert):
            self._index[key].discard(alert.id)

    def _evict(self) -> None:
        cutoff = utcnow() - timedelta(seconds=self.window_s) if self.window_s else None
        drop = 0
        while len(self._order) - drop > self.capacity or (
            cutoff is not None and drop < len(self._order) and self._order[drop][0] < cutoff
        ):
            drop += 1
        for _, alert_id in self._order[:drop]:
            self._unindex(self._by_id.pop(alert_id))
            del self._pos[alert_id]
            self._json.pop(alert_id, None)
        del self._order[:drop]

    def _notify(self, alert: Alert) -> None:
        self.version += 1
        self._changed.set()
        self._changed = asyncio.Event()
        position = self._pos[alert.id]
        for listener in list(self.listeners):
            listener(alert, position)

    async def wait_change(self, timeout_s: float) -> None:
        """Return at the next change, or after `timeout_s`."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout_s)

    def head(self) -> Position:
        """The position just after everything in the view now (for `after` cursors)."""
        newest = self._order[-1] if self._order else (datetime.min.replace(tzinfo=UTC), "")
        return Position(newest[0], newest[1], self.epoch, self._seq)

    def get(self, alert_id: str) -> Alert | None:
        return self._by_id.get(alert_id)

    def json(self, alert: Alert) -> bytes:
        """The alert as JSON, serialised once per revision held."""
        body = self._json.get(alert.id)
        if body is None or self._by_id.get(alert.id) is not alert:
            body = alert.model_dump_json().encode()
            if self._by_id.get(alert.id) is alert:
                self._json[alert.id] = body
        return body

    def position(self, alert_id: str) -> Position:
        return self._pos[alert_id]

    def _candidates(self, q: AlertQuery) -> list[tuple[datetime, str]] | None:
        """Keys narrowed by the indexes, or None when no indexed filter applies."""
        sets = []
        if q.severities:
            sets.append(set().union(*(self._index[f"severity:{s}"] for s in q.severities)))
        if q.rules:
            sets.append(set().union(*(self._index[f"rule:{r}"] for r in q.rules)))
        if q.tags:
            sets.append(set().union(*(self._index[f"tag:{t}"] for t in q.tags)))
        if q.actor:
            sets.append(self._index[f"actor:{actor_slug(q.actor)}"])
        if not sets:
            return None
        ids = set.intersection(*sets)
        return sorted((self._by_id[i].created_at, i) for i in ids)

    def older(self, q: AlertQuery, before: Position | None = None) -> list[Alert]:
        """Matching alerts newest first, strictly older than `before` (a page cursor)."""
        keys = self._candidates(q)
        keys = self._order if keys is None else keys
        end = len(keys) if before is None else bisect.bisect_left(keys, before.key)
        out: list[Alert] = []
        for i in range(end - 1, -1, -1):
            alert = self._by_id[keys[i][1]]
            if q.since is not None and alert.created_at < q.since:
                break  # ordered by time: nothing further can match
            if q.accepts(alert):
                out.append(alert)
                if len(out) >= q.limit:
                    break
        return out

    def newer(self, q: AlertQuery, after: Position) -> list[Alert]:
        """Matching alerts that reached this view after `after`, oldest first."""
        if after.epoch == self.epoch:  # our own cursor: insertion order catches late arrivals
            start = bisect.bisect_right(self._by_seq, (after.seq, "\uffff"))
            found = [
                self._by_id[i]
                for seq, i in self._by_seq[start:]
                if i in self._pos and self._pos[i].seq == seq
            ]
        else:  # another replica's cursor: by time, the best we can do
            start = bisect.bisect_right(self._order, after.key)
            found = [self._by_id[k[1]] for k in self._order[start:]]
        return [a for a in found if q.accepts(a)][: q.limit]
