"""Feed polling against a local HTTP server: RSS, Atom, broken, 304, redirect, full text,
restarts and two replicas sharing the feeds."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from tests.helpers import eventually, read_topic, sample
from tests.integration.conftest import listening, serving
from wirewatch.core.models import RawArticle
from wirewatch.core.settings import CommonSettings
from wirewatch.ingest.app import create_app
from wirewatch.ingest.settings import IngestSettings

pytestmark = pytest.mark.integration
ADMIN = "feeds-admin-key-0123456"
BODY = (
    "Rebel forces fired rockets at the airport on {day}, officials said, in the heaviest attack "
    "this month. Story number {n} describes what happened next in considerable detail."
)


def _rss(items: list[int], base: str) -> str:
    entries = "".join(
        f"<item><title>RSS story {n}</title><link>{base}/story/{n}</link><guid>rss-{n}</guid>"
        f"<description>{BODY.format(day='Monday', n=n)}</description>"
        "<pubDate>Tue, 10 Nov 2026 10:00:00 GMT</pubDate></item>"
        for n in items
    )
    head = '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    return f"{head}{entries}</channel></rss>"


def _atom(items: list[int], base: str) -> str:
    entries = "".join(
        f"<entry><title>Atom story {n}</title><id>atom-{n}</id><link href='{base}/story/a{n}'/>"
        "<updated>2026-11-10T10:00:00Z</updated>"
        f"<content type='html'>{BODY.format(day='Friday', n=n)}"
        "</content></entry>"
        for n in items
    )
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>{entries}</feed>'


class FeedServer:
    """Serves feeds and records who asked for what (path, User-Agent, If-None-Match)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str | None]] = []
        self.base = ""
        self.app = FastAPI()
        self.app.get("/{path:path}")(self.serve)

    async def serve(self, request: Request, path: str) -> Response:
        self.requests.append(
            (path, request.headers.get("user-agent", ""), request.headers.get("if-none-match"))
        )
        if path.startswith("rss") and path.endswith(".xml"):
            if request.headers.get("if-none-match") == f'"{path}-v1"':
                return Response(status_code=304)
            body = (
                _rss([1, 2], self.base)
                if path == "rss.xml"
                else _rss([int(path[3])], self.base + "/" + path)
            )
            return Response(
                body, media_type="application/rss+xml", headers={"ETag": f'"{path}-v1"'}
            )
        if path == "atom.xml":
            return Response(_atom([1, 2], self.base), media_type="application/atom+xml")
        if path == "broken.xml":
            return Response("this is not a feed at all", media_type="text/plain")
        if path == "moved.xml":
            return RedirectResponse(f"{self.base}/rss7.xml", status_code=301)
        if path == "teaser.xml":
            item = (
                f"<item><title>Teaser</title><link>{self.base}/full/1</link><guid>t-1</guid>"
                "<description>Short.</description></item>"
            )
            return Response(
                f'<rss version="2.0"><channel><title>t</title>{item}</channel></rss>',
                media_type="application/rss+xml",
            )
        if path == "full/1":
            text = BODY.format(day="Sunday", n=99)
            page = f"<html><body><article><h1>Full story</h1><p>{text}</p></article></body></html>"
            return Response(page, media_type="text/html")
        return Response(status_code=404)


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    server = FeedServer()
    async with listening(server.app, ready_path=None) as base:
        server.base = base
        yield server


def _settings(common: CommonSettings, feeds: Path | None, **extra: Any) -> IngestSettings:
    options = {
        "ingest_api_keys": {ADMIN: ["admin"]},
        "ingest_feeds_path": feeds,
        "ingest_feed_group_id": f"feeds.{common.topic_raw}",
        **extra,
    }
    return IngestSettings(**{**common.model_dump(), **options})


def _config(
    tmp_path: Path, base: str, feeds: dict[str, str], full_text: tuple[str, ...] = ()
) -> Path:
    lines = ["feeds:"]
    for name, where in feeds.items():
        full = str(name in full_text).lower()
        lines.append(
            f"  - {{name: {name}, url: '{base}/{where}', interval: 1s, full_text: {full}}}"
        )
    config = tmp_path / "feeds.yaml"
    config.write_text("\n".join(lines) + "\n")
    return config


async def _articles(common: CommonSettings, want: int, timeout_s: float = 40) -> list[RawArticle]:
    async def enough() -> list[RawArticle] | None:
        records = await read_topic(
            common.kafka_bootstrap_servers, common.topic_raw, want=want, timeout_s=1
        )
        return (
            [RawArticle.model_validate_json(r.value) for r in records]
            if len(records) >= want
            else None
        )

    found: list[RawArticle] = await eventually(enough, timeout_s=timeout_s)
    return found


async def _polled(server: FeedServer, path: str, times: int) -> None:
    """Wait until `path` has been requested `times` more times."""
    start = sum(p == path for p, _, _ in server.requests)

    async def enough() -> bool:
        return sum(p == path for p, _, _ in server.requests) >= start + times

    await eventually(enough, timeout_s=30)


async def test_feeds_are_polled_parsed_and_published_once(
    common: CommonSettings, feed_server: FeedServer, tmp_path: Path
) -> None:
    feeds = {
        "rss": "rss.xml",
        "atom": "atom.xml",
        "broken": "broken.xml",
        "moved": "moved.xml",
        "teaser": "teaser.xml",
    }
    config = _config(tmp_path, feed_server.base, feeds, full_text=("teaser",))
    settings = _settings(common, config)
    errors_before = sample("wirewatch_ingest_feed_errors_total", feed="broken", kind="parse")
    async with serving(create_app(settings)) as client:
        articles = await _articles(common, 6)
        await _polled(feed_server, "rss.xml", times=3)  # later polls may publish nothing new
        listed = (await client.get("/v1/feeds", headers={"X-API-Key": ADMIN})).json()
        denied = await client.get("/v1/feeds")
    titles = Counter(a.title for a in await _articles(common, 6))
    assert titles == Counter(
        ["RSS story 1", "RSS story 2", "Atom story 1", "Atom story 2", "RSS story 7", "Teaser"]
    )
    by_title = {a.title: a for a in articles}
    assert by_title["RSS story 1"].url == f"{feed_server.base}/story/1"
    assert by_title["RSS story 1"].source == "rss"
    assert by_title["RSS story 1"].published_at is not None
    assert "Sunday" in by_title["Teaser"].text  # the page, not the one-word summary
    conditional = [inm for path, _, inm in feed_server.requests if path == "rss.xml"]
    assert conditional[0] is None
    assert conditional[-1] == '"rss.xml-v1"'  # later polls are conditional (answered 304)
    health = {f["name"]: f["health"] for f in listed}
    assert health["rss"]["consecutive_errors"] == 0
    assert health["rss"]["entries_seen"] == 2
    assert health["broken"]["consecutive_errors"] >= 1
    assert "parse" in health["broken"]["last_error"]
    assert sample("wirewatch_ingest_feed_errors_total", feed="broken", kind="parse") > errors_before
    assert denied.status_code == 401


async def test_feeds_managed_at_run_time_and_no_repeats_after_a_restart(
    common: CommonSettings, feed_server: FeedServer
) -> None:
    settings = _settings(common, None)
    admin = {"X-API-Key": ADMIN}
    async with serving(create_app(settings)) as client:
        created = await client.post(
            "/v1/feeds",
            headers=admin,
            json={"name": "rss", "url": f"{feed_server.base}/rss.xml", "interval_s": 1},
        )
        bad = await client.post(
            "/v1/feeds", headers=admin, json={"name": "Bad Name!", "url": "nope"}
        )
        await _articles(common, 2)
    assert created.status_code == 201
    assert bad.status_code == 422
    # A new process with a new group: state (seen entries, ETag) comes back from its topic.
    restarted = settings.model_copy(update={"ingest_feed_group_id": f"again.{common.topic_raw}"})
    async with serving(create_app(restarted)) as client:
        await _polled(feed_server, "rss.xml", times=2)  # polled again: nothing may repeat
        deleted = await client.delete("/v1/feeds/rss", headers=admin)
        missing = await client.delete("/v1/feeds/rss", headers=admin)
        listed = (await client.get("/v1/feeds", headers=admin)).json()
    records = await read_topic(
        common.kafka_bootstrap_servers, common.topic_raw, want=3, timeout_s=2
    )
    assert len(records) == 2
    assert (deleted.status_code, missing.status_code, listed) == (204, 404, [])


async def test_two_replicas_share_the_feeds_and_a_survivor_takes_over(
    common: CommonSettings, feed_server: FeedServer, tmp_path: Path
) -> None:
    feeds = {f"f{n}": f"rss{n}.xml" for n in range(1, 7)}
    config = _config(tmp_path, feed_server.base, feeds)
    one = create_app(_settings(common, config, ingest_replica_id="replica-a"))
    two = create_app(_settings(common, config, ingest_replica_id="replica-b"))

    def pollers() -> dict[str, set[str]]:
        seen: dict[str, set[str]] = {}
        for path, agent, _ in feed_server.requests:
            seen.setdefault(path, set()).add(agent.split("(")[-1].rstrip(")"))
        return seen

    async with serving(two):
        async with serving(one):
            await _articles(common, 6)

            async def settled() -> dict[str, set[str]] | None:
                # Over a window of several polls, each feed is polled by exactly one replica.
                feed_server.requests.clear()
                await asyncio.sleep(3)
                window = pollers()
                spread = all(len(r) == 1 for r in window.values())
                return window if len(window) == 6 and spread else None

            steady = await eventually(settled, timeout_s=60)
        # replica-a is gone: its feeds move to replica-b.
        feed_server.requests.clear()

        async def taken_over() -> bool:
            return len(pollers()) == 6 and all(p == {"replica-b"} for p in pollers().values())

        await eventually(taken_over, timeout_s=60)
    assert len(steady) == 6
    assert all(len(replicas) == 1 for replicas in steady.values()), steady  # one poller per feed
    assert {r for rs in steady.values() for r in rs} == {"replica-a", "replica-b"}
    records = await read_topic(
        common.kafka_bootstrap_servers, common.topic_raw, want=7, timeout_s=2
    )
    assert len(records) == 6  # every entry once, across both replicas


async def test_a_feed_that_is_not_xml_or_missing_is_counted_not_fatal(
    common: CommonSettings, feed_server: FeedServer, tmp_path: Path
) -> None:
    config = _config(tmp_path, feed_server.base, {"gone": "missing.xml", "rss": "rss.xml"})
    before = sample("wirewatch_ingest_feed_errors_total", feed="gone", kind="http_4xx")
    async with serving(create_app(_settings(common, config))):
        await _articles(common, 2)

        async def counted() -> bool:
            return bool(
                sample("wirewatch_ingest_feed_errors_total", feed="gone", kind="http_4xx") > before
            )

        await eventually(counted)
        # The other feed is still polled after the failures: one bad feed stops nothing.
        await _polled(feed_server, "rss.xml", times=2)
