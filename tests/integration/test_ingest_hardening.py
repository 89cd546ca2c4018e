"""Ingest at production grade: keys, limits, HTML, normalisation, language, near-duplicates."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import orjson
import pytest

from tests.conftest import SAMPLES
from tests.helpers import read_topic
from tests.integration.conftest import serving
from wirewatch.core.models import RawArticle
from wirewatch.core.settings import CommonSettings
from wirewatch.ingest.app import create_app
from wirewatch.ingest.settings import IngestSettings

pytestmark = pytest.mark.integration
WRITER, READER = "ingest-writer-key-0123", "ingest-reader-key-0123"
STORY = (
    "Rebel forces fired rockets at the airport of Tripoli on Tuesday, officials said, in the "
    "heaviest attack on the capital this month. The Government of National Accord condemned the "
    "attack and blamed forces loyal to Khalifa Haftar, who have besieged the city since April. "
    "Flights were diverted to Misrata while engineers inspected the runway for damage. A spokesman "
    "for Haftar's forces denied any involvement and accused the government of staging the strike. "
    "The United Nations mission in Libya called for an immediate halt to the fighting."
)


def _settings(common: CommonSettings, **extra: Any) -> IngestSettings:
    options = {
        "ingest_allow_no_auth": True,
        "ingest_feed_group_id": f"feeds.{common.topic_raw}",  # no rebalance with other tests
        **extra,
    }
    return IngestSettings(**{**common.model_dump(), **options})


async def _published(common: CommonSettings, want: int) -> list[RawArticle]:
    records = await read_topic(
        common.kafka_bootstrap_servers, common.topic_raw, want=want, timeout_s=5
    )
    return [RawArticle.model_validate_json(r.value) for r in records]


def test_refuses_to_start_without_keys_unless_allowed(common: CommonSettings) -> None:
    settings = IngestSettings(**common.model_dump())
    with pytest.raises(RuntimeError, match="WIREWATCH_INGEST_ALLOW_NO_AUTH"):
        create_app(settings)
    env = {"WIREWATCH_KAFKA_BOOTSTRAP_SERVERS": common.kafka_bootstrap_servers, "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-m", "wirewatch.ingest"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "no API keys configured" in done.stderr


async def test_keys_scopes_and_rate_limit(common: CommonSettings) -> None:
    settings = _settings(
        common,
        ingest_allow_no_auth=False,
        ingest_api_keys={WRITER: ["write"], READER: ["read"]},
        ingest_rate_limit_per_s=0.5,
        ingest_rate_limit_burst=2,
    )
    article = {"text": "A quiet day at the market."}
    async with serving(create_app(settings)) as client:
        missing = await client.post("/v1/articles", json=article)
        wrong = await client.post(
            "/v1/articles", json=article, headers={"X-API-Key": "not-a-key-0123456789"}
        )
        reader = await client.post("/v1/articles", json=article, headers={"X-API-Key": READER})
        ok = [
            await client.post("/v1/articles", json=article, headers={"X-API-Key": WRITER})
            for _ in range(3)
        ]
        health = await client.get("/healthz")
    assert (missing.status_code, wrong.status_code, reader.status_code) == (401, 401, 403)
    assert [r.status_code for r in ok] == [202, 202, 429]
    assert int(ok[2].headers["retry-after"]) >= 1
    assert health.status_code == 200  # health stays open


async def test_html_is_reduced_to_its_text_and_text_is_normalised(common: CommonSettings) -> None:
    page = (
        "<html><head><title>x</title></head><body><nav>Home | World | Sport</nav><article>"
        f"<h1>Rockets hit Tripoli</h1><p>{STORY}</p></article>"
        "<footer>Cookies</footer></body></html>"
    )
    messy = "Cafe\u0301 owners   protested\x07 in\tTripoli.\r\n\r\n\r\nPolice watched."
    async with serving(create_app(_settings(common))) as client:
        as_html = await client.post(
            "/v1/articles", json={"html": page, "url": "https://n.example/1"}
        )
        as_type = await client.post(
            "/v1/articles",
            json={"text": page.replace("Tripoli", "Benghazi"), "content_type": "text/html"},
        )
        plain = await client.post("/v1/articles", json={"text": messy})
        empty = await client.post(
            "/v1/articles", json={"html": "<html><body><script>var x = 1;</script></body></html>"}
        )
        both = await client.post("/v1/articles", json={"html": page, "text": "x"})
    assert as_html.status_code == as_type.status_code == plain.status_code == 202
    by_id = {a.id: a for a in await _published(common, 3)}
    html_article = by_id[as_html.json()["articles"][0]["id"]]
    assert html_article.text.startswith("Rockets hit Tripoli")
    assert "Home | World" not in html_article.text
    assert "Cookies" not in html_article.text
    assert html_article.original_length == len(page)
    assert (
        by_id[plain.json()["articles"][0]["id"]].text
        == "Café owners protested in Tripoli.\n\nPolice watched."
    )
    assert empty.status_code == 422
    assert empty.json()["errors"][0]["loc"] == ["body", "text"]
    assert both.status_code == 422


async def test_language_is_detected_and_flagged(common: CommonSettings) -> None:
    french = (
        "Les forces du maréchal Haftar ont tiré des roquettes sur l'aéroport de Tripoli mardi, "
        "selon des responsables du gouvernement d'union nationale."
    )
    async with serving(create_app(_settings(common))) as client:
        fr = await client.post("/v1/articles", json={"text": french})
        en = await client.post("/v1/articles", json={"text": STORY})
        short = await client.post("/v1/articles", json={"text": "Oui."})
    assert [r.json()["articles"][0]["language"] for r in (fr, en, short)] == ["fr", "en", None]


async def test_near_duplicates_share_a_story_and_exact_copies_are_refused(
    common: CommonSettings,
) -> None:
    edited = STORY.replace("officials said", "officials told reporters").replace(
        "this month", "in weeks"
    )
    async with serving(create_app(_settings(common))) as client:
        first = (
            await client.post("/v1/articles", json={"text": STORY, "url": "https://a.example/1"})
        ).json()
        copy = (
            await client.post("/v1/articles", json={"text": edited, "url": "https://b.example/2"})
        ).json()
        same_text = (
            await client.post("/v1/articles", json={"text": STORY, "url": "https://c.example/3"})
        ).json()
        other = (
            await client.post(
                "/v1/articles", json={"text": "Markets rose on Monday as oil prices eased."}
            )
        ).json()
    original = first["articles"][0]
    assert original["story_id"] == original["id"]
    assert original["duplicate_of"] is None
    assert copy["near_duplicates"] == 1
    assert copy["articles"][0]["status"] == "accepted"  # still published, flagged
    assert copy["articles"][0]["duplicate_of"] == original["id"]
    assert copy["articles"][0]["story_id"] == original["id"]
    assert same_text["duplicates"] == 1  # same normalised content under another URL
    assert other["articles"][0]["story_id"] == other["articles"][0]["id"]
    published = await _published(common, 4)
    assert len(published) == 3
    assert {a.story_id for a in published} == {original["id"], other["articles"][0]["id"]}


async def test_near_duplicate_state_survives_a_restart(common: CommonSettings) -> None:
    async with serving(create_app(_settings(common))) as client:
        first = (await client.post("/v1/articles", json={"text": STORY})).json()["articles"][0]
    async with serving(create_app(_settings(common))) as client:
        copy = (await client.post("/v1/articles", json={"text": STORY + " More follows."})).json()[
            "articles"
        ][0]
    assert copy["duplicate_of"] == first["id"]


async def test_limits_give_413_never_500(common: CommonSettings) -> None:
    settings = _settings(common, ingest_max_message_bytes=2_000)
    ten_mb = b'{"text": "' + b"x" * (10 * 1024 * 1024) + b'"}'
    async with serving(create_app(settings)) as client:
        huge = await client.post("/v1/articles", content=ten_mb)
        big_message = await client.post("/v1/articles", json={"text": "word " * 800})
        many = await client.post(
            "/v1/articles",
            content=b"\n".join(orjson.dumps({"text": f"story {i}"}) for i in range(1_001)),
            headers={"content-type": "application/x-ndjson"},
        )
    assert (huge.status_code, big_message.status_code, many.status_code) == (413, 413, 413)


def test_near_duplicate_detection_quality_on_the_bundled_articles() -> None:
    from wirewatch.tools.dedup_eval import evaluate

    scores = evaluate(SAMPLES / "wikinews-demo.jsonl", limit=15, threshold=0.5)
    assert scores.negatives > 0
    assert scores.precision >= 0.95
    assert scores.recall >= 0.95
