"""Canonical URLs and deterministic ids."""

from __future__ import annotations

import pytest

from wirewatch.core.ids import actor_slug, alert_id, article_id, canonical_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/a?b=2&a=1#frag", "https://example.com/a?a=1&b=2"),
        ("https://example.com/a?utm_source=x&id=7&fbclid=y&gclid=z", "https://example.com/a?id=7"),
        ("http://example.com:80", "http://example.com/"),
        ("https://example.com:8443/x", "https://example.com:8443/x"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_article_id_from_canonical_url() -> None:
    a = article_id("https://example.com/story?utm_medium=rss", "one text")
    b = article_id("https://EXAMPLE.com/story#top", "another text")
    assert a == b
    assert len(a) == 32


def test_article_id_from_content_ignores_whitespace_and_case() -> None:
    a = article_id(None, "Rockets hit  Tripoli.\n", "Title")
    b = article_id(None, "rockets hit Tripoli.", "TITLE")
    c = article_id(None, "Rockets hit Benghazi.", "Title")
    assert a == b
    assert a != c


def test_alert_id_is_deterministic_per_article_and_rule() -> None:
    assert alert_id("a1", "r1") == alert_id("a1", "r1")
    assert alert_id("a1", "r1") != alert_id("a1", "r2")
    assert alert_id("a1", "r1") != alert_id("a2", "r1")


def test_actor_slug() -> None:
    assert actor_slug("Fayez Al-Sarraj") == "fayez-al-sarraj"
    assert actor_slug("Recep Tayyip Erdoğan") == "recep-tayyip-erdogan"
    assert actor_slug("???")  # never empty


def test_trace_ids_come_from_a_valid_traceparent_or_are_new() -> None:
    from wirewatch.core.headers import trace_from_http

    trace = "0af7651916cd43dd8448eb211c80319c"
    assert trace_from_http(f"00-{trace}-b7ad6b7169203331-01") == trace
    for bad in (None, "", "garbage", f"00-{'0' * 32}-b7ad6b7169203331-01"):
        fresh = trace_from_http(bad)
        assert len(fresh) == 32
        assert fresh != trace
        assert fresh != "0" * 32
