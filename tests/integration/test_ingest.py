"""Ingest against the real embedded broker: ack before 202, duplicates, limits, 503."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from tests.helpers import read_topic
from tests.integration.conftest import serving
from wirewatch.core.broker import EmbeddedBroker
from wirewatch.core.models import RawArticle
from wirewatch.core.settings import CommonSettings
from wirewatch.ingest.app import create_app
from wirewatch.ingest.settings import IngestSettings

pytestmark = pytest.mark.integration
NDJSON = {"content-type": "application/x-ndjson"}


def _settings(common: CommonSettings, **extra: Any) -> IngestSettings:
    options = {
        "ingest_max_body_bytes": 64 * 1024,
        "ingest_allow_no_auth": True,
        "ingest_feed_group_id": f"feeds.{common.topic_raw}",  # no rebalance with other tests
        **extra,
    }
    return IngestSettings(**{**common.model_dump(), **options})


async def test_article_is_on_the_topic_when_202_comes_back(
    common: CommonSettings, sample_article: dict[str, Any]
) -> None:
    trace = "0af7651916cd43dd8448eb211c80319c"
    traceparent = {"traceparent": f"00-{trace}-b7ad6b7169203331-01"}
    async with serving(create_app(_settings(common))) as client:
        response = await client.post("/v1/articles", json=sample_article, headers=traceparent)
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["accepted"] == 1
    [result] = body["articles"]
    [record] = await read_topic(common.kafka_bootstrap_servers, common.topic_raw, want=1)
    assert record.key.decode() == result["id"]
    headers = dict(record.headers)
    assert headers["wirewatch-schema"] == b"article.raw.v1"
    assert headers["content-type"] == b"application/json"
    assert headers["wirewatch-producer"] == b"ingest"
    assert headers["wirewatch-trace-id"] == trace.encode()  # the sender's W3C trace id
    article = RawArticle.model_validate_json(record.value)
    assert article.id == result["id"]
    assert article.title == sample_article["title"]


async def test_repeat_is_a_duplicate_and_not_published_again(
    common: CommonSettings, sample_article: dict[str, Any]
) -> None:
    async with serving(create_app(_settings(common))) as client:
        first = await client.post("/v1/articles", json=sample_article)
        second = await client.post("/v1/articles", json=sample_article)
    assert first.json()["accepted"] == 1
    assert second.status_code == 202
    assert second.json()["duplicates"] == 1
    assert second.json()["articles"][0]["status"] == "duplicate"
    records = await read_topic(
        common.kafka_bootstrap_servers, common.topic_raw, want=2, timeout_s=3
    )
    assert len(records) == 1


async def test_ndjson_batch_with_a_repeat_inside(common: CommonSettings) -> None:
    lines = [
        {"text": "First story.", "url": "https://news.example/a?utm_source=rss"},
        {"text": "Second story."},
        {"text": "First story, syndicated.", "url": "https://NEWS.example/a"},
    ]
    body = b"\n".join(orjson.dumps(line) for line in lines)
    async with serving(create_app(_settings(common))) as client:
        response = await client.post("/v1/articles", content=body, headers=NDJSON)
    assert response.status_code == 202
    statuses = [a["status"] for a in response.json()["articles"]]
    assert statuses == ["accepted", "accepted", "duplicate"]


async def test_concurrent_repeats_publish_once(common: CommonSettings) -> None:
    article = {"text": "Shelling reported near the airport.", "id": "concurrent-1"}
    async with serving(create_app(_settings(common))) as client:
        responses = await asyncio.gather(
            *(client.post("/v1/articles", json=article) for _ in range(5))
        )
    statuses = sorted(r.json()["articles"][0]["status"] for r in responses)
    assert statuses == ["accepted"] + ["duplicate"] * 4
    records = await read_topic(
        common.kafka_bootstrap_servers, common.topic_raw, want=2, timeout_s=3
    )
    assert len(records) == 1


@pytest.mark.parametrize(
    ("body", "headers", "where"),
    [
        (b'{"title": "no text"}', {}, ["body", "text"]),
        (b'{"text": 42}', {}, ["body", "text"]),
        (b'{"text": "x", "url": "ftp:/nope"}', {}, ["body", "url"]),
        (b"{not json", {}, ["body"]),
        (b'{"text": "ok"}\n{"text": ""}', NDJSON, ["body", 1, "text"]),
        (b"\x00\xff\xfe garbage", {}, ["body"]),
    ],
)
async def test_bad_input_gets_422_with_the_field(
    common: CommonSettings, body: bytes, headers: dict[str, str], where: list[Any]
) -> None:
    async with serving(create_app(_settings(common))) as client:
        response = await client.post("/v1/articles", content=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == where
    records = await read_topic(
        common.kafka_bootstrap_servers, common.topic_raw, want=1, timeout_s=2
    )
    assert records == []


async def test_errors_are_problem_details_and_a_wrong_content_type_is_415(
    common: CommonSettings,
) -> None:
    async with serving(create_app(_settings(common))) as client:
        wrong = await client.post(
            "/v1/articles", content=b"hello", headers={"content-type": "text/plain"}
        )
        invalid = await client.post("/v1/articles", json={"title": "no text"})
        missing = await client.delete("/v1/feeds/none", headers={"X-API-Key": "nope"})
    assert wrong.status_code == 415
    assert invalid.status_code == 422
    assert missing.status_code == 401
    for answer in (wrong, invalid, missing):
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert problem["status"] == answer.status_code
        assert problem["type"] == "about:blank"
        assert problem["title"]
        assert problem["detail"]
    assert invalid.json()["errors"][0]["loc"][0] == "body"


async def test_body_over_the_limit_gets_413(common: CommonSettings) -> None:
    big = orjson.dumps({"text": "x" * (70 * 1024)})

    async def chunked() -> AsyncIterator[bytes]:
        for i in range(0, len(big), 8192):
            yield big[i : i + 8192]

    async with serving(create_app(_settings(common))) as client:
        declared = await client.post("/v1/articles", content=big)
        streamed = await client.post("/v1/articles", content=chunked())
    assert declared.status_code == 413
    assert streamed.status_code == 413
    assert "bytes" in streamed.json()["detail"]


async def test_duplicates_survive_a_restart(
    common: CommonSettings, sample_article: dict[str, Any]
) -> None:
    async with serving(create_app(_settings(common))) as client:
        assert (await client.post("/v1/articles", json=sample_article)).json()["accepted"] == 1
    async with serving(create_app(_settings(common))) as client:
        again = await client.post("/v1/articles", json=sample_article)
    assert again.json()["duplicates"] == 1


async def test_broker_gone_gives_503_and_nothing_acknowledged(topics: dict[str, Any]) -> None:
    own = EmbeddedBroker().start()
    settings = IngestSettings(
        kafka_bootstrap_servers=own.bootstrap_servers,
        kafka_request_timeout_ms=2_000,
        ingest_publish_timeout_s=2,
        ingest_allow_no_auth=True,
        ingest_feed_group_id=f"feeds.{topics['topic_raw']}",
        **topics,
    )
    try:
        async with serving(create_app(settings)) as client:
            own.stop()
            response = await client.post("/v1/articles", json={"text": "Rockets hit the port."})
            ready = await client.get("/readyz")
    finally:
        own.stop()
    assert response.status_code == 503
    assert "broker unavailable" in response.json()["detail"]
    assert response.headers["retry-after"]
    assert ready.status_code == 503


async def test_health_and_metrics(common: CommonSettings) -> None:
    async with serving(create_app(_settings(common))) as client:
        await client.post("/v1/articles", json={"text": "One more story."})
        health = await client.get("/healthz")
        metrics = await client.get("/metrics")
    assert health.json() == {"status": "ok"}
    assert 'wirewatch_ingest_articles_total{outcome="accepted"}' in metrics.text
    assert "wirewatch_ingest_publish_seconds_bucket" in metrics.text
