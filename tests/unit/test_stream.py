"""The SSE hub: filters, replay after a position, and dropping a client that falls behind."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import sample
from wirewatch.api.stream import StreamHub
from wirewatch.api.view import AlertQuery, AlertView
from wirewatch.core.models import Alert

NOW = datetime.now(UTC)


def _alert(n: int, severity: str = "high") -> Alert:
    return Alert.model_validate(
        {
            "id": f"a{n}", "article_id": f"art{n}", "rule_id": "r", "rule_name": "r",
            "severity": severity, "created_at": NOW + timedelta(seconds=n), "title": None,
            "url": None, "source": None, "published_at": None, "matches": [], "actors": [],
            "rules_version": "v",
        }
    )  # fmt: skip


async def _next_event(stream: object) -> str:
    chunk: bytes = await asyncio.wait_for(stream.__anext__(), 5)  # type: ignore[attr-defined]
    return chunk.decode()


async def test_live_events_match_the_filters() -> None:
    view = AlertView(100)
    hub = StreamHub(view, queue_size=10, heartbeat_s=30)
    stream = hub.events(AlertQuery(severities=frozenset({"high"})), None)
    assert (await _next_event(stream)).startswith("retry:")
    view.add(_alert(1, "low"))
    view.add(_alert(2, "high"))
    event = await _next_event(stream)
    assert '"id":"a2"' in event
    assert event.startswith("id: ")
    await stream.aclose()
    assert hub.clients == set()


async def test_replay_after_a_position_then_live_without_repeats() -> None:
    view = AlertView(100)
    hub = StreamHub(view, queue_size=10, heartbeat_s=30)
    view.add(_alert(1))
    mark = view.position("a1")
    view.add(_alert(2))
    stream = hub.events(AlertQuery(), mark)
    await _next_event(stream)
    assert '"id":"a2"' in await _next_event(stream)
    view.add(_alert(3))
    assert '"id":"a3"' in await _next_event(stream)
    await stream.aclose()


async def test_heartbeat_when_idle() -> None:
    hub = StreamHub(AlertView(10), queue_size=10, heartbeat_s=0.05)
    stream = hub.events(AlertQuery(), None)
    await _next_event(stream)
    assert await _next_event(stream) == ": heartbeat\n\n"
    await stream.aclose()


async def test_a_client_that_falls_behind_is_dropped_without_holding_others() -> None:
    view = AlertView(100)
    hub = StreamHub(view, queue_size=2, heartbeat_s=30)
    slow = hub.events(AlertQuery(), None)
    fast = hub.events(AlertQuery(), None)
    await _next_event(slow)
    await _next_event(fast)
    dropped = sample("wirewatch_api_sse_dropped_total")
    for n in range(4):
        view.add(_alert(n))
        assert f'"id":"a{n}"' in await _next_event(fast)  # the fast one keeps up
    assert sample("wirewatch_api_sse_dropped_total") == dropped + 1
    with pytest.raises(StopAsyncIteration):  # disconnected at once
        await _next_event(slow)
    await fast.aclose()
