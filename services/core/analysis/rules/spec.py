"""The YAML rule language, as pydantic models: what a rule file may say."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from wirewatch.core.models import ActorType, Severity

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def duration_s(value: float | int | str) -> float:
    """Seconds from a number or a string like `90s`, `30m`, `6h`, `2d`."""
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        m = _DURATION.match(value)
        if m is None:
            raise ValueError(f"not a duration: {value!r} (use e.g. 90s, 30m, 6h, 2d)")
        seconds = float(m.group(1)) * _UNITS[m.group(2)]
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    return seconds


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SentimentSpec(_Spec):
    below: float | None = Field(None, ge=-1, le=1)
    above: float | None = Field(None, ge=-1, le=1)

    @model_validator(mode="after")
    def _one_bound(self) -> SentimentSpec:
        if self.below is None and self.above is None:
            raise ValueError("give `below` and/or `above`")
        return self


class ActorSpec(_Spec):
    """Which actors: `name`/`names` (canonical names or aliases), `type`, `watchlist`."""

    name: str | None = None
    names: list[str] | None = None
    type: ActorType | None = None
    watchlist: str | None = None
    role: Literal["same_sentence"] | None = None
    sentiment: SentimentSpec | None = None


class RuleSpec(_Spec):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    name: str = Field(min_length=1)
    severity: Severity
    tags: list[str] = []
    description: str = ""
    kind: Literal["match", "sentiment_shift"] = "match"
    scope: Literal["all", "title", "lead", "text"] = "all"
    lead_sentences: int = Field(3, ge=1)
    sources: list[str] | None = None
    languages: list[str] | None = None
    terms: list[str] | None = Field(None, min_length=1)
    min_matches: int = Field(1, ge=1)
    match: Any = None
    cooldown: float | None = None
    actor: ActorSpec | None = None
    recent: int = Field(5, ge=1, description="Articles in the recent window (shift rules).")
    baseline: int = Field(10, ge=1, description="Articles in the baseline window before it.")
    threshold: float = Field(0.3, gt=0, le=2)
    direction: Literal["either", "down", "up"] = "either"

    @field_validator("cooldown", mode="before")
    @classmethod
    def _cooldown(cls, value: Any) -> Any:
        return None if value is None else duration_s(value)

    @model_validator(mode="after")
    def _kind_fields(self) -> RuleSpec:
        if self.kind == "match":
            if (self.terms is None) == (self.match is None):
                raise ValueError("a match rule needs exactly one of `terms` or `match`")
            if self.actor is not None:
                raise ValueError(
                    "`actor` belongs to sentiment_shift rules; use `match: {actor: ...}`"
                )
        elif self.actor is None or self.terms is not None or self.match is not None:
            raise ValueError("a sentiment_shift rule needs `actor` and no `terms`/`match`")
        return self


class WatchEntry(_Spec):
    name: str
    aliases: list[str] = []


class Defaults(_Spec):
    cooldown: float = Field(6 * 3600, description="One alert per story and rule within this.")

    @field_validator("cooldown", mode="before")
    @classmethod
    def _cooldown(cls, value: Any) -> Any:
        return duration_s(value)


class RuleFile(_Spec):
    defaults: Defaults = Defaults()
    watchlists: dict[str, list[str | WatchEntry] | str] = {}
    rules: list[Any] = Field(min_length=1)
