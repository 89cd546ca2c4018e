"""Server-Sent Events: matching alerts pushed live, resumable, with heartbeats and a drop policy."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from dataclasses import dataclass, field

from wirewatch.api import metrics
from wirewatch.api.cursor import Position
from wirewatch.api.view import AlertQuery, AlertView
from wirewatch.core.models import Alert

Item = tuple[Alert, Position]


@dataclass(eq=False)
class _Client:
    query: AlertQuery
    queue: asyncio.Queue[Item]
    dropped: asyncio.Event = field(default_factory=asyncio.Event)


def frame(alert: Alert, position: Position) -> bytes:
    return f"id: {position.encode()}\nevent: alert\ndata: {alert.model_dump_json()}\n\n".encode()


class StreamHub:
    """Fans every new alert (or revision) out to the stream clients whose filters match.

    Each client has a bounded queue; one that falls `queue_size` behind is dropped
    (and counted) so that it can never hold others up.
    """

    def __init__(self, view: AlertView, queue_size: int, heartbeat_s: float):
        self.view = view
        self.queue_size = queue_size
        self.heartbeat_s = heartbeat_s
        self.clients: set[_Client] = set()
        view.listeners.append(self._publish)

    def _publish(self, alert: Alert, position: Position) -> None:
        for client in list(self.clients):
            if client.dropped.is_set() or not client.query.accepts(alert):
                continue
            try:
                client.queue.put_nowait((alert, position))
            except asyncio.QueueFull:
                client.dropped.set()
                metrics.SSE_DROPPED.inc()

    async def events(self, query: AlertQuery, last: Position | None) -> AsyncGenerator[bytes, None]:
        client = _Client(query, asyncio.Queue(self.queue_size))
        self.clients.add(client)  # before the replay, so nothing falls between the two
        metrics.SSE_CLIENTS.inc()
        try:
            yield f"retry: 3000\n: heartbeat every {self.heartbeat_s:g}s\n\n".encode()
            sent = -1
            if last is not None:
                replay = AlertQuery(**{**query.__dict__, "limit": self.queue_size})
                for alert in self.view.newer(replay, last):
                    position = self.view.position(alert.id)
                    sent = max(sent, position.seq)
                    yield frame(alert, position)
            async for chunk in self._live(client, sent):
                yield chunk
        finally:
            self.clients.discard(client)
            metrics.SSE_CLIENTS.dec()

    async def _live(self, client: _Client, sent: int) -> AsyncIterator[bytes]:
        while not client.dropped.is_set():
            getter = asyncio.ensure_future(client.queue.get())
            dropped = asyncio.ensure_future(client.dropped.wait())
            done, _ = await asyncio.wait(
                {getter, dropped}, timeout=self.heartbeat_s, return_when="FIRST_COMPLETED"
            )
            dropped.cancel()
            if getter not in done:
                getter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await getter
                if not done:
                    yield b": heartbeat\n\n"
                continue
            alert, position = getter.result()
            if position.epoch == self.view.epoch and position.seq <= sent:
                continue  # already sent in the replay
            yield frame(alert, position)
