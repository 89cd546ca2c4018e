"""A feed's definition (what to poll) and its state (what polling has learnt)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, ValidationError, field_validator

from wirewatch.core.analysis.rules.spec import duration_s

MAX_SEEN = 2_000  # entry ids remembered per feed


class FeedIn(BaseModel):
    """A feed as configured (YAML) or posted to /v1/feeds."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$", description="Unique; also the id.")
    url: AnyHttpUrl
    interval_s: float = Field(300.0, ge=1, le=86_400, description="Seconds between polls.")
    full_text: bool = Field(False, description="Fetch the page when an entry has only a summary.")

    @field_validator("interval_s", mode="before")
    @classmethod
    def _interval(cls, value: Any) -> Any:
        return duration_s(value) if isinstance(value, str) else value


class Feed(FeedIn):
    created_at: datetime


class FeedState(BaseModel):
    """Per-feed polling state, kept on the feed-state topic so it survives restarts."""

    name: str
    etag: str | None = None
    last_modified: str | None = None
    seen: list[str] = []
    last_success: datetime | None = None
    last_error: str | None = None
    consecutive_errors: int = 0
    entries_seen: int = 0
    articles_published: int = 0

    def remember(self, entry_ids: list[str]) -> None:
        known = dict.fromkeys(self.seen)
        known.update(dict.fromkeys(entry_ids))
        self.seen = list(known)[-MAX_SEEN:]


class FeedConfigError(ValueError):
    """A feeds file that cannot be used, with the reason."""


def load_config(path: Path) -> list[FeedIn]:
    """Feeds from YAML: `feeds: [{name, url, interval (90s, 5m, 1h), full_text}]`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FeedConfigError(f"feeds file {path}: {exc}") from exc
    feeds = []
    for i, raw in enumerate(data.get("feeds") or []):
        if isinstance(raw, dict) and "interval" in raw:  # the file says `interval: 5m`
            raw = dict(raw)
            raw["interval_s"] = raw.pop("interval")
        try:
            feeds.append(FeedIn.model_validate(raw))
        except ValidationError as exc:
            err = exc.errors(include_url=False)[0]
            where = ".".join(map(str, err["loc"]))
            raise FeedConfigError(f"feeds file {path}: feeds[{i}].{where}: {err['msg']}") from exc
    names = [f.name for f in feeds]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise FeedConfigError(f"feeds file {path}: duplicate names {dupes}")
    return feeds


def slug_ok(name: str) -> bool:
    return re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,63}", name) is not None
