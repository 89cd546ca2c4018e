"""Validation of submitted articles: clear per-field problems, nothing half-accepted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wirewatch.core.articles import InvalidArticles, decode_body, read_file, validate


def _problems(items: list[Any]) -> list[dict[str, Any]]:
    with pytest.raises(InvalidArticles) as info:
        validate(items)
    return [p.as_dict() for p in info.value.problems]


def test_valid_article_gets_id_and_received_at() -> None:
    [article] = validate([{"text": "Rockets hit Tripoli.", "url": "https://x.org/a?utm_source=t"}])
    assert article.canonical_url == "https://x.org/a"
    assert len(article.id) == 32
    assert article.received_at.tzinfo is not None


def test_given_id_is_kept_and_wikinews_published_is_accepted() -> None:
    [article] = validate([{"id": "wikinews-1", "text": "x", "published": "2004-11-15"}])
    assert article.id == "wikinews-1"
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2004-11-15T00:00:00+00:00"


@pytest.mark.parametrize(
    ("item", "field"),
    [
        ({}, "text"),
        ({"text": "   "}, "text"),
        ({"text": 5}, "text"),
        ({"text": "x", "url": "not a url"}, "url"),
        ({"text": "x", "published_at": "yesterday"}, "published_at"),
        ({"text": "x", "titel": "typo"}, "titel"),
        ({"text": "x", "id": "has spaces"}, "id"),
    ],
)
def test_problem_names_the_field(item: dict[str, Any], field: str) -> None:
    [problem] = _problems([item])
    assert problem["loc"][-1] == field
    assert problem["msg"]


def test_problems_carry_the_index_of_the_item() -> None:
    problems = _problems([{"text": "ok"}, {"text": ""}])
    assert problems[0]["loc"][:2] == ["body", 1]


def test_decode_body_forms() -> None:
    assert decode_body(b'{"text": "a"}', ndjson=False) == [{"text": "a"}]
    assert decode_body(b'[{"text": "a"}, {"text": "b"}]', ndjson=False) == [
        {"text": "a"},
        {"text": "b"},
    ]
    assert decode_body(b'{"text": "a"}\n\n{"text": "b"}\n', ndjson=True) == [
        {"text": "a"},
        {"text": "b"},
    ]


def test_decode_body_reports_bad_json_line() -> None:
    with pytest.raises(InvalidArticles) as info:
        decode_body(b'{"text": "a"}\n{oops\n', ndjson=True)
    assert info.value.problems[0].loc == ("body", "line 2")


def test_read_file_json_and_jsonl(tmp_path: Path) -> None:
    single = tmp_path / "a.json"
    single.write_text('{\n  "text": "one",\n  "title": "t"\n}\n')
    lines = tmp_path / "b.jsonl"
    lines.write_text('{"text": "one"}\n{"text": "two"}\n')
    assert [a.text for a in read_file(single)] == ["one"]
    assert [a.text for a in read_file(lines)] == ["one", "two"]


def test_read_file_takes_a_text_file_as_one_article(tmp_path: Path) -> None:
    plain = tmp_path / "story.txt"
    plain.write_text("\nWales stun England\n\nWales beat England.\n\nThe coach spoke.\n")
    [article] = read_file(plain)
    assert article.title == "Wales stun England"
    assert article.text == "Wales beat England.\n\nThe coach spoke."
    assert article.source == "story.txt"
    # An empty .txt is a clear validation problem, not a crash.
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(InvalidArticles):
        read_file(empty)
