"""Turning submitted articles (JSON, NDJSON, JSONL files) into validated raw articles."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from wirewatch.core.ids import article_id, canonical_url
from wirewatch.core.models import ArticleIn, RawArticle, utcnow
from wirewatch.core.text import clean_text, extract_html, language

NDJSON_TYPES = frozenset(
    {"application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines"}
)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (as in FastAPI's errors), what, and its kind."""

    loc: tuple[str | int, ...]
    msg: str
    type: str

    def as_dict(self) -> dict[str, Any]:
        return {"loc": list(self.loc), "msg": self.msg, "type": self.type}


class InvalidArticles(ValueError):
    """The input holds problems; nothing of it should be published."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{'.'.join(map(str, p.loc))}: {p.msg}" for p in problems[:5]))
        self.problems = problems


class EmptyText(ValueError):
    """Nothing readable was left of the article after extraction and cleaning."""


def prepare(
    article: ArticleIn, now: datetime | None = None, min_confidence: float = 0.9
) -> RawArticle:
    """The raw-topic form of a submitted article: text extracted and normalised, its
    language guessed, its deterministic id."""
    source = article.markup or article.text or ""
    text = clean_text(extract_html(source) if article.markup is not None else source)
    if not text:
        raise EmptyText("no text left after extraction and cleaning")
    url = str(article.url) if article.url is not None else None
    title = clean_text(article.title) if article.title else None
    return RawArticle(
        id=article.id or article_id(url, text, title),
        title=title or None,
        text=text,
        url=url,
        canonical_url=canonical_url(url) if url else None,
        published_at=article.published_at,
        source=article.source,
        received_at=now or utcnow(),
        language=language(text, min_confidence),
        original_length=len(source),
    )


def decode_body(body: bytes, ndjson: bool) -> list[Any]:
    """JSON objects from a request body: one object, an array, or one object per line."""
    if ndjson:
        return list(_lines(body.splitlines()))
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidArticles([Problem(("body",), f"invalid JSON: {exc}", "json_invalid")]) from exc
    return value if isinstance(value, list) else [value]


def _lines(lines: Iterable[bytes | str]) -> Iterator[Any]:
    problems = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            problems.append(
                Problem(("body", f"line {number}"), f"invalid JSON: {exc}", "json_invalid")
            )
    if problems:
        raise InvalidArticles(problems)


def validate(
    items: list[Any],
    now: datetime | None = None,
    min_confidence: float = 0.9,
    *,
    first: int = 0,
    total: int | None = None,
) -> list[RawArticle]:
    """Validate every item; InvalidArticles lists every problem with the item's index.

    `items` may be a part of a request: `first` is the index of its first item in the
    request and `total` the request's length (where problems are located)."""
    now = now or utcnow()
    good: list[RawArticle] = []
    problems: list[Problem] = []
    single = (total if total is not None else len(items)) == 1
    for index, item in enumerate(items, start=first):
        loc: tuple[str | int, ...] = ("body",) if single else ("body", index)
        try:
            good.append(prepare(ArticleIn.model_validate(item), now, min_confidence))
        except ValidationError as exc:
            for err in exc.errors(include_url=False, include_input=False, include_context=False):
                where = err["loc"] or ("text",)  # the whole-article check is about the text
                problems.append(Problem((*loc, *where), err["msg"], err["type"]))
        except EmptyText as exc:
            problems.append(Problem((*loc, "text"), str(exc), "empty_text"))
    if problems:
        raise InvalidArticles(problems)
    return good


def article_from_text(path: Path) -> dict[str, Any]:
    """A .txt article: the first non-empty line is the title, the rest the text."""
    title, _, text = path.read_text(encoding="utf-8").strip().partition("\n")
    return {"title": title.strip(), "text": text.strip(), "source": path.name}


def read_file(path: Path | None, text: str | None = None) -> list[RawArticle]:
    """Articles from a JSON or JSONL file (or text already read, e.g. from stdin), or the
    one article of a .txt file."""
    if text is None and path is not None and path.suffix == ".txt":
        return validate([article_from_text(path)])
    raw = text if text is not None else Path(path or "-").read_text(encoding="utf-8")
    stripped = raw.lstrip()
    if stripped.startswith("[") or (stripped.startswith("{") and "\n{" not in stripped.rstrip()):
        return validate(decode_body(raw.encode(), ndjson=False))
    return validate(list(_lines(raw.splitlines())))


def count_lines(path: Path) -> int:
    """Non-empty lines of a JSONL file: the total a progress bar can show."""
    with path.open("rb") as handle:
        return sum(1 for line in handle if line.strip())


def iter_jsonl(path: Path) -> Iterator[tuple[int, Any]]:
    """(line number, decoded object or the exception) for each non-empty line of a big file."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                try:
                    yield number, orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    yield number, exc
