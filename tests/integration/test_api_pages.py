"""Polled pages of alerts: compact `fields`, cached answers, and the fast path's manners."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import eventually, publish_alerts, sample
from tests.integration.conftest import serving
from wirewatch.api.app import create_app
from wirewatch.api.pages import SUMMARY_FIELDS
from wirewatch.api.settings import ApiSettings
from wirewatch.core import kafka
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.models import Alert
from wirewatch.core.settings import CommonSettings

pytestmark = pytest.mark.integration


async def _publish(settings: CommonSettings, analyzer: Analyzer, article: Any) -> list[Alert]:
    return await publish_alerts(settings, analyzer, article)


def _settings(common: CommonSettings, **extra: Any) -> ApiSettings:
    return ApiSettings(**common.model_dump(), api_webhook_group_id=f"h.{common.topic_raw}", **extra)


async def test_fields_give_compact_alerts_and_full_pages_keep_the_contract(
    common: CommonSettings, analyzer: Analyzer, sample_article: dict[str, Any]
) -> None:
    settings = _settings(common, api_anonymous_read=True)
    await kafka.ensure_topics(settings)
    alerts = await _publish(settings, analyzer, sample_article)
    async with serving(create_app(settings)) as client:

        async def all_there() -> bool:
            count: int = (await client.get("/v1/alerts")).json()["count"]
            return count == len(alerts)

        await eventually(all_there)
        full = await client.get("/v1/alerts")
        summary = await client.get("/v1/alerts", params={"fields": "summary"})
        picked = await client.get("/v1/alerts", params={"fields": "severity, title"})
        unknown = await client.get("/v1/alerts", params={"fields": "id,secret_sauce"})
    # The full page is what it always was: every alert validates as the topic's Alert.
    by_id = {a.id: a for a in alerts}
    for item in full.json()["alerts"]:
        assert Alert.model_validate(item) == by_id[item["id"]]
    assert set(full.json()) == {"count", "alerts", "next_cursor", "head"}
    assert [set(a) for a in summary.json()["alerts"]] == [set(SUMMARY_FIELDS)] * len(alerts)
    assert [list(a) for a in picked.json()["alerts"]] == [["id", "severity", "title"]] * len(alerts)
    assert len(summary.content) * 3 < len(full.content)
    assert summary.headers["etag"] != full.headers["etag"]
    assert unknown.status_code == 422
    assert "secret_sauce" in unknown.json()["detail"]


async def test_a_repeated_poll_gets_the_same_answer_until_the_view_changes(
    common: CommonSettings, analyzer: Analyzer, sample_article: dict[str, Any]
) -> None:
    settings = _settings(common, api_anonymous_read=True)
    await kafka.ensure_topics(settings)
    first = await _publish(settings, analyzer, sample_article)
    async with serving(create_app(settings)) as client:

        async def listed() -> bool:
            count: int = (await client.get("/v1/alerts")).json()["count"]
            return count == len(first)

        await eventually(listed)
        one = await client.get("/v1/alerts")
        two = await client.get("/v1/alerts")
        unchanged = await client.get("/v1/alerts", headers={"If-None-Match": one.headers["etag"]})
        later = {**sample_article, "title": "Rockets hit Tripoli again", "id": "later-1"}
        second = await _publish(settings, analyzer, later)

        async def grown() -> bool:
            count: int = (await client.get("/v1/alerts")).json()["count"]
            return count == len(first) + len(second)

        await eventually(grown)
        three = await client.get("/v1/alerts")
        stale = await client.get("/v1/alerts", headers={"If-None-Match": one.headers["etag"]})
    assert one.content == two.content
    assert one.headers["etag"] == two.headers["etag"]
    assert unchanged.status_code == 304
    assert three.headers["etag"] != one.headers["etag"]
    assert {a["id"] for a in three.json()["alerts"]} == {a.id for a in first + second}
    assert stale.status_code == 200


async def test_cached_answers_still_need_a_key_and_count_in_metrics(
    common: CommonSettings, analyzer: Analyzer, sample_article: dict[str, Any]
) -> None:
    settings = _settings(
        common, api_keys={"reader-key-123456": ["read"]}, api_rate_limit_per_s=1000
    )
    await kafka.ensure_topics(settings)
    alerts = await _publish(settings, analyzer, sample_article)
    key = {"X-API-Key": "reader-key-123456"}
    async with serving(create_app(settings)) as client:

        async def listed() -> bool:
            response = await client.get("/v1/alerts", headers=key)
            return response.status_code == 200 and response.json()["count"] == len(alerts)

        await eventually(listed)
        before = sample("wirewatch_api_requests_total", route="/v1/alerts", status="200")
        cached = await client.get("/v1/alerts", headers=key)
        anonymous = await client.get("/v1/alerts")
        wrong = await client.get("/v1/alerts", headers={"X-API-Key": "not-a-key"})
        counted = sample("wirewatch_api_requests_total", route="/v1/alerts", status="200") - before
    assert cached.status_code == 200
    assert anonymous.status_code == 401
    assert wrong.status_code == 401
    assert counted == 1
