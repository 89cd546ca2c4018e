"""Alert pages as bytes: built from each alert's cached JSON, kept while the view is unchanged.

Polling clients ask the same question again and again; between two changes of the view
the answer is the same bytes, so it is served from here without filtering, serialising
or hashing again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import orjson

from wirewatch.core.models import Alert

ALERT_FIELDS = tuple(Alert.model_fields)
SUMMARY_FIELDS = (
    "id",
    "article_id",
    "rule_id",
    "rule_name",
    "severity",
    "created_at",
    "title",
    "url",
    "source",
    "story_id",
    "revision",
    "related_count",
)


class BadFields(ValueError):
    """`fields` names something that is not a top-level field of an alert."""


_NAME = "(?:" + "|".join(("summary", *ALERT_FIELDS)) + ")"
# What parse_fields accepts, for the OpenAPI document: blank, or names separated by commas.
FIELDS_PATTERN = rf"^\s*$|^\s*{_NAME}\s*(?:,\s*{_NAME}\s*)*$"


def parse_fields(text: str | None) -> tuple[str, ...] | None:
    """None for whole alerts; else the named fields (`summary` for a preset), id first."""
    if text is None or not text.strip():
        return None
    names: list[str] = []
    for name in (n.strip() for n in text.split(",")):
        wanted = SUMMARY_FIELDS if name == "summary" else (name,)
        for field in wanted:
            if field not in ALERT_FIELDS:
                raise BadFields(
                    f"unknown field {field!r}; fields are: summary, {', '.join(ALERT_FIELDS)}"
                )
            if field not in names:
                names.append(field)
    return ("id", *(n for n in names if n != "id"))


@dataclass(frozen=True)
class Page:
    body: bytes
    etag: str
    empty: bool


def build(
    alerts: Sequence[Alert],
    serialise: Callable[[Alert], bytes],
    fields: tuple[str, ...] | None,
    next_cursor: str | None,
    head: str | None,
) -> Page:
    """The AlertPage JSON (count, alerts, next_cursor, head) and its ETag."""
    if fields is None:
        items = [serialise(a) for a in alerts]
    else:
        keep = set(fields)
        items = [orjson.dumps(a.model_dump(mode="json", include=keep)) for a in alerts]
    body = b'{"count":%d,"alerts":[%s],"next_cursor":%s,"head":%s}' % (
        len(items),
        b",".join(items),
        orjson.dumps(next_cursor),
        orjson.dumps(head),
    )
    parts = [f"{a.id}:{a.revision}" for a in alerts] + [next_cursor or "", ",".join(fields or ())]
    etag = '"' + hashlib.sha256("|".join(parts).encode()).hexdigest()[:32] + '"'
    return Page(body, etag, not items)


class PageCache:
    """The last pages built, by question, valid for one version of the view."""

    def __init__(self, capacity: int = 512):
        self.capacity = capacity
        self._pages: OrderedDict[tuple[object, ...], tuple[int, Page]] = OrderedDict()

    def get(self, key: tuple[object, ...], version: int) -> Page | None:
        found = self._pages.get(key)
        if found is None or found[0] != version:
            return None
        self._pages.move_to_end(key)
        return found[1]

    def put(self, key: tuple[object, ...], version: int, page: Page) -> None:
        self._pages[key] = (version, page)
        self._pages.move_to_end(key)
        while len(self._pages) > self.capacity:
            self._pages.popitem(last=False)
