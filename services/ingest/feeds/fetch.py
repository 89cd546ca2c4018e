"""Fetching a feed: conditional GET, redirects, parsing RSS/Atom into article submissions."""

from __future__ import annotations

import asyncio
import calendar
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import feedparser
import httpx

from wirewatch.ingest.feeds.model import Feed, FeedState

log = logging.getLogger(__name__)


class FetchError(Exception):
    """A failed poll; `kind` is a bounded label (http_4xx, http_5xx, timeout, connect, parse)."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind


@dataclass
class Fetched:
    not_modified: bool
    etag: str | None = None
    last_modified: str | None = None
    entries: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (entry id, article)


def _time(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).isoformat()


def _article(entry: Any, feed: Feed) -> tuple[str, dict[str, Any]] | None:
    link = entry.get("link")
    key = entry.get("id") or link
    body = entry.get("content", [{}])[0].get("value") if entry.get("content") else None
    body = body or entry.get("summary")
    if not key or not (body or link):
        return None
    article: dict[str, Any] = {"title": entry.get("title"), "source": feed.name}
    if link and link.startswith(("http://", "https://")):
        article["url"] = link
    if body:  # a fragment (summary or content), kept as HTML: ingest reduces it to text
        article["html"] = body
    published = _time(entry)
    if published:
        article["published_at"] = published
    return str(key), article


def parse(content: bytes, feed: Feed) -> list[tuple[str, dict[str, Any]]]:
    """Entries of an RSS 0.9x/1.0/2.0 or Atom document; FetchError('parse') if it is none."""
    parsed = feedparser.parse(content)
    if parsed.bozo and not parsed.entries:
        raise FetchError("parse", str(parsed.get("bozo_exception", "not a feed"))[:200])
    if not parsed.get("version") and not parsed.entries:
        raise FetchError("parse", "not an RSS or Atom document")
    return [a for a in (_article(e, feed) for e in parsed.entries) if a is not None]


async def fetch(client: httpx.AsyncClient, feed: Feed, state: FeedState) -> Fetched:
    headers = {}
    if state.etag:
        headers["If-None-Match"] = state.etag
    if state.last_modified:
        headers["If-Modified-Since"] = state.last_modified
    try:
        response = await client.get(str(feed.url), headers=headers)
    except httpx.TimeoutException as exc:
        raise FetchError("timeout", str(exc) or "timed out") from exc
    except httpx.HTTPError as exc:
        raise FetchError("connect", str(exc) or type(exc).__name__) from exc
    if response.status_code == 304:
        return Fetched(not_modified=True, etag=state.etag, last_modified=state.last_modified)
    if response.status_code >= 400:
        kind = "http_4xx" if response.status_code < 500 else "http_5xx"
        raise FetchError(kind, f"HTTP {response.status_code}")
    entries = await asyncio.to_thread(parse, response.content, feed)
    return Fetched(
        not_modified=False,
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        entries=entries,
    )


async def full_text(client: httpx.AsyncClient, url: str) -> str | None:
    """The article page's HTML, for entries that carry only a summary."""
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        log.info("full text of %s not fetched: %s", url, exc)
        return None
    return response.text if response.status_code == 200 else None
