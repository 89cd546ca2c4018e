"""The alerts API: cursors under inserts, long-poll, ETags, SSE resume, keys, scopes, limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import eventually, produce_many
from tests.integration.conftest import listening, serving
from wirewatch.api.app import create_app
from wirewatch.api.settings import ApiSettings
from wirewatch.core import kafka
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import validate
from wirewatch.core.models import Alert, AlertActor
from wirewatch.core.settings import CommonSettings

pytestmark = pytest.mark.integration
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
READER, WRITER, ADMIN = "reader-key-0123456789", "writer-key-0123456789", "admin-key-01234567890"
KEYS = {READER: ["read"], WRITER: ["read", "write"], ADMIN: ["admin"]}


def make_alert(
    n: int,
    severity: str = "high",
    rule: str = "r1",
    actor: str = "Khalifa Haftar",
    created: datetime | None = None,
) -> Alert:
    return Alert.model_validate(
        {
            "id": f"alert-{n:04d}",
            "article_id": f"article-{n}",
            "rule_id": rule,
            "rule_name": rule,
            "severity": severity,
            "created_at": created or T0 + timedelta(seconds=n),
            "title": f"Story {n}",
            "url": None,
            "source": "test",
            "published_at": None,
            "matches": [],
            "actors": [
                AlertActor(id="x", name=actor, type="person", sentiment=-0.5, label="negative")
            ],
            "rules_version": "v",
            "tags": ["conflict"] if n % 2 else [],
        }
    )


async def publish(settings: CommonSettings, alerts: Sequence[Alert]) -> None:
    items = [(a.id.encode(), a.model_dump_json().encode()) for a in alerts]
    await produce_many(settings.kafka_bootstrap_servers, settings.topic_alerts, items)


def _settings(common: CommonSettings, **extra: Any) -> ApiSettings:
    group = f"hooks.{common.topic_raw}"  # unique per test: no rebalance with earlier tests
    options = {"api_anonymous_read": True, "api_webhook_group_id": group, **extra}
    return ApiSettings(**{**common.model_dump(), **options})


async def _count(client: httpx.AsyncClient, want: int) -> None:
    async def enough() -> bool:
        got: int = (await client.get("/v1/alerts", params={"limit": 1000})).json()["count"]
        return got >= want

    await eventually(enough)


async def test_cursor_pages_neither_skip_nor_repeat_under_concurrent_inserts(
    common: CommonSettings,
) -> None:
    settings = _settings(common)
    await kafka.ensure_topics(settings)
    await publish(settings, [make_alert(n) for n in range(30)])
    async with serving(create_app(settings)) as client:
        await _count(client, 30)
        seen: list[str] = []
        page = (await client.get("/v1/alerts", params={"limit": 7})).json()
        inserted = 100
        while True:
            seen += [a["id"] for a in page["alerts"]]
            # Newer alerts arrive between pages (and one older, late arrival).
            await publish(settings, [make_alert(inserted), make_alert(inserted + 1)])
            inserted += 2
            await _count(client, 30 + inserted - 100)
            if page["next_cursor"] is None:
                break
            page = (
                await client.get("/v1/alerts", params={"limit": 7, "cursor": page["next_cursor"]})
            ).json()
    assert seen == [f"alert-{n:04d}" for n in range(29, -1, -1)]


async def test_filters_tag_q_until_and_bad_cursor(common: CommonSettings) -> None:
    settings = _settings(common)
    await kafka.ensure_topics(settings)
    await publish(settings, [make_alert(n, severity="low" if n < 3 else "high") for n in range(6)])
    async with serving(create_app(settings)) as client:
        await _count(client, 6)

        async def ids(**params: Any) -> list[str]:
            return [
                a["id"][-1]
                for a in (await client.get("/v1/alerts", params=params)).json()["alerts"]
            ]

        assert await ids(tag="conflict") == ["5", "3", "1"]
        assert await ids(q="story 4") == ["4"]
        assert await ids(until=(T0 + timedelta(seconds=2)).isoformat()) == ["1", "0"]
        assert await ids(severity=["low", "high"], limit=2) == ["5", "4"]
        bad_cursor = await client.get("/v1/alerts", params={"cursor": "garbage"})
        bad_limit = await client.get("/v1/alerts", params={"limit": "many"})
        # Bad parameters, whichever: 422 problem details (RFC 9457) with the same shape.
        for bad in (bad_cursor, bad_limit):
            assert bad.status_code == 422
            assert bad.headers["content-type"] == "application/problem+json"
            assert bad.json()["status"] == 422
            assert bad.json()["title"] == HTTPStatus(422).phrase
        assert "cursor" in bad_cursor.json()["detail"]
        assert bad_limit.json()["errors"][0]["loc"] == ["query", "limit"]
        assert (await client.get("/v1/alerts/alert-0004")).json()["title"] == "Story 4"
        assert (await client.get("/v1/alerts/nope")).status_code == 404


async def test_long_poll_wakes_up_when_an_alert_arrives(common: CommonSettings) -> None:
    settings = _settings(common)
    await kafka.ensure_topics(settings)
    async with serving(create_app(settings)) as client:
        head = (await client.get("/v1/alerts")).json()["head"]
        started = time.monotonic()
        waiting = asyncio.create_task(client.get("/v1/alerts", params={"after": head, "wait": 20}))
        await asyncio.sleep(0.5)
        assert not waiting.done()
        await publish(settings, [make_alert(1)])
        answer = (await waiting).json()
        elapsed = time.monotonic() - started
        empty = (
            await client.get("/v1/alerts", params={"after": answer["head"], "wait": 0.3})
        ).json()
    assert [a["id"] for a in answer["alerts"]] == ["alert-0001"]
    assert elapsed < 20  # it woke up on the alert, not at the timeout
    assert empty["count"] == 0


async def test_etag_gives_304_until_something_changes(common: CommonSettings) -> None:
    settings = _settings(common)
    await kafka.ensure_topics(settings)
    await publish(settings, [make_alert(1)])
    async with serving(create_app(settings)) as client:
        await _count(client, 1)
        first = await client.get("/v1/alerts")
        etag = first.headers["etag"]
        again = await client.get("/v1/alerts", headers={"If-None-Match": etag})
        await publish(settings, [make_alert(2)])
        await _count(client, 2)
        changed = await client.get("/v1/alerts", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def _events(response: httpx.Response, want: int) -> list[tuple[str, str]]:
    """(id, data) of the next `want` SSE events."""
    events: list[tuple[str, str]] = []
    event_id = data = ""
    async for line in response.aiter_lines():
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            data = line[6:]
        elif line == "" and data:
            events.append((event_id, data))
            data = ""
            if len(events) == want:
                break
    return events


async def test_sse_delivers_live_and_resumes_with_last_event_id(common: CommonSettings) -> None:
    settings = _settings(common, api_sse_heartbeat_s=0.5)
    await kafka.ensure_topics(settings)
    async with (
        listening(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
    ):
        async with client.stream(
            "GET", "/v1/alerts/stream", params={"severity": "high"}
        ) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            await publish(settings, [make_alert(1, severity="low"), make_alert(2)])
            [(last_id, data)] = await asyncio.wait_for(_events(response, 1), 20)
        assert Alert.model_validate_json(data).id == "alert-0002"
        await publish(settings, [make_alert(3), make_alert(4, severity="low"), make_alert(5)])
        await _count(client, 5)
        headers = {"Last-Event-ID": last_id}
        async with client.stream(
            "GET", "/v1/alerts/stream", params={"severity": "high"}, headers=headers
        ) as response:
            missed = await asyncio.wait_for(_events(response, 2), 20)
    # Arrival order across partitions is free; what matters is that nothing is missed.
    assert sorted(Alert.model_validate_json(d).id for _, d in missed) == [
        "alert-0003",
        "alert-0005",
    ]


async def test_keys_scopes_and_anonymous_reads(common: CommonSettings) -> None:
    settings = _settings(common, api_keys=KEYS, api_anonymous_read=False)
    body = {"text": "Rockets hit Tripoli."}
    hook = {"url": "http://127.0.0.1:9/hook", "secret": "a-long-enough-secret"}
    async with serving(create_app(settings)) as client:

        async def status(method: str, path: str, key: str | None, **kw: Any) -> int:
            headers = {"X-API-Key": key} if key else {}
            return (await client.request(method, path, headers=headers, **kw)).status_code

        assert await status("GET", "/v1/alerts", None) == 401
        assert await status("GET", "/v1/alerts", "wrong-key-0123456789") == 401
        assert await status("GET", "/v1/alerts", READER) == 200
        assert await status("POST", "/v1/analyze", READER, json=body) == 403
        assert await status("POST", "/v1/analyze", WRITER, json=body) == 200
        assert await status("POST", "/v1/webhooks", WRITER, json=hook) == 403
        assert await status("POST", "/v1/webhooks", ADMIN, json=hook) == 201
        assert await status("GET", "/v1/alerts", ADMIN) == 200  # admin implies read
        assert await status("GET", "/healthz", None) == 200
        assert await status("GET", "/metrics", None) == 200


async def test_rate_limit_answers_429_with_retry_after(common: CommonSettings) -> None:
    settings = _settings(common, api_rate_limit_per_s=0.5, api_rate_limit_burst=2)
    async with serving(create_app(settings)) as client:
        answers = [await client.get("/v1/alerts") for _ in range(3)]
        metrics = (await client.get("/metrics")).text
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[2].headers["retry-after"]) >= 1
    assert "wirewatch_api_rate_limited_total" in metrics
    # The IETF RateLimit fields on every limited answer: burst 2, then 1, 0, 0 left.
    assert [a.headers["ratelimit-limit"] for a in answers] == ["2", "2", "2"]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["1", "0", "0"]
    assert int(answers[2].headers["ratelimit-reset"]) >= 1


async def test_cors_preflight_answers_for_a_listed_origin(common: CommonSettings) -> None:
    settings = _settings(common, api_cors_origins=["https://dash.example"])
    preflight = {
        "Origin": "https://dash.example",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "x-api-key",
    }
    async with serving(create_app(settings)) as client:
        allowed = await client.options("/v1/alerts", headers=preflight)
        other = await client.options(
            "/v1/alerts", headers={**preflight, "Origin": "https://elsewhere.example"}
        )
        page = await client.get("/v1/alerts", headers={"Origin": "https://dash.example"})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://dash.example"
    assert "x-api-key" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in other.headers
    exposed = page.headers["access-control-expose-headers"].lower()
    assert "ratelimit-remaining" in exposed
    assert "etag" in exposed


async def test_actors_and_analyze(
    common: CommonSettings, analyzer: Analyzer, sample_article: dict[str, Any], tmp_path: Path
) -> None:
    # /v1/analyze must use the rules enrich is configured with, not the bundled ones.
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n  - {id: tripoli-watch, name: Tripoli, severity: low, terms: [Tripoli]}\n"
    )
    settings = _settings(common, api_keys=KEYS, enrich_rules_path=rules)
    await kafka.ensure_topics(settings)
    [result] = analyzer.analyze(validate([sample_article]))
    items = [(result.enriched.id.encode(), result.enriched.model_dump_json().encode())]
    await produce_many(settings.kafka_bootstrap_servers, settings.topic_enriched, items)
    await publish(settings, result.alerts)
    text = sample_article["text"]
    turkey = text.index("Turkey has responded")
    async with serving(create_app(settings)) as client:
        await _count(client, len(result.alerts))
        listing = (await client.get("/v1/actors", params={"type": "person"})).json()
        detail = (await client.get("/v1/actors/Haftar")).json()
        missing = await client.get("/v1/actors/Nobody%20Known")
        analyzed = await client.post(
            "/v1/analyze",
            headers={"X-API-Key": WRITER},
            json={
                "text": text,
                "title": sample_article["title"],  # the title counts in salience
                "targets": [{"start": turkey, "end": turkey + 6}],
            },
        )
        bad = await client.post(
            "/v1/analyze",
            headers={"X-API-Key": WRITER},
            json={"text": "short", "targets": [{"start": 2, "end": 99}]},
        )
        blank = await client.post(
            "/v1/analyze", headers={"X-API-Key": WRITER}, json={"text": " \u0000\n\t"}
        )
    names = {a["name"]: a for a in listing["actors"]}
    assert names["Khalifa Haftar"]["sentiment"] < 0
    assert names["Khalifa Haftar"]["mentions"] >= 7
    assert detail["name"] == "Khalifa Haftar"
    assert "Haftar" in detail["aliases"]
    assert detail["series"][0]["mentions"] >= 7
    assert {a["id"] for a in detail["recent_alerts"]} <= {a.id for a in result.alerts}
    assert detail["recent_alerts"]
    assert missing.status_code == 404
    assert analyzed.status_code == 200
    out = analyzed.json()
    actors = {a["name"]: a for a in out["article"]["actors"]}
    assert actors["Khalifa Haftar"]["sentiment"]["label"] == "negative"
    assert actors["Fayez Al-Sarraj"]["type"] == "person"
    assert [alert["rule_id"] for alert in out["alerts"]] == ["tripoli-watch"]
    [target] = out["targets"]
    assert (target["start"], target["end"], target["label"]) == (turkey, turkey + 6, "positive")
    assert target["score"] > 0.2
    # A span outside the text is that target's error, not the request's.
    assert bad.status_code == 200
    [outside] = bad.json()["targets"]
    assert outside["label"] is None
    assert outside["error"] == "need start < end <= len(text) (5)"
    assert blank.status_code == 422
    assert "no text left" in blank.json()["detail"]
