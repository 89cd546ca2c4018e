"""The api's view is built from the alerts topic: restart-safe, de-duplicated, filterable."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import eventually, produce, publish_alerts
from tests.integration.conftest import serving
from wirewatch.api.app import create_app
from wirewatch.api.settings import ApiSettings
from wirewatch.core import kafka
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.settings import CommonSettings

pytestmark = pytest.mark.integration


async def _publish_alerts(settings: CommonSettings, analyzer: Analyzer, article: Any) -> list[str]:
    return [a.id for a in await publish_alerts(settings, analyzer, article)]


async def test_alerts_from_the_topic_newest_first_without_duplicates(
    common: CommonSettings, analyzer: Analyzer, sample_article: dict[str, Any]
) -> None:
    settings = ApiSettings(
        **common.model_dump(), api_anonymous_read=True, api_webhook_group_id=f"h.{common.topic_raw}"
    )
    await kafka.ensure_topics(settings)
    ids = await _publish_alerts(settings, analyzer, sample_article)
    await _publish_alerts(settings, analyzer, sample_article)  # reprocessed: same ids again
    await produce(settings.kafka_bootstrap_servers, settings.topic_alerts, b"not an alert")
    async with serving(create_app(settings)) as client:
        everything = (await client.get("/v1/alerts")).json()
        high = (await client.get("/v1/alerts", params={"severity": "critical"})).json()
        by_rule = (await client.get("/v1/alerts", params={"rule": "libya-sentiment-shift"})).json()
        by_actor = (await client.get("/v1/alerts", params={"actor": "khalifa haftar"})).json()
        nobody = (await client.get("/v1/alerts", params={"actor": "Nobody"})).json()
        future = (await client.get("/v1/alerts", params={"since": "2999-01-01T00:00:00Z"})).json()
        limited = (await client.get("/v1/alerts", params={"limit": 1})).json()
        metrics = (await client.get("/metrics")).text
    assert sorted(a["id"] for a in everything["alerts"]) == sorted(ids)
    assert {a["rule_id"] for a in high["alerts"]} == {"libya-actor-violence"}
    assert by_rule["alerts"] == []
    assert by_actor["count"] == len(ids)
    assert nobody["count"] == future["count"] == 0
    assert limited["count"] == 1
    assert 'wirewatch_api_alert_messages_total{outcome="duplicate"}' in metrics
    assert 'wirewatch_api_alert_messages_total{outcome="invalid"} 1.0' in metrics


async def test_new_alerts_appear_while_running_and_bad_queries_get_422(
    common: CommonSettings, analyzer: Analyzer, sample_article: dict[str, Any]
) -> None:
    settings = ApiSettings(
        **common.model_dump(), api_anonymous_read=True, api_webhook_group_id=f"h.{common.topic_raw}"
    )
    async with serving(create_app(settings)) as client:
        assert (await client.get("/v1/alerts")).json()["count"] == 0
        ids = await _publish_alerts(settings, analyzer, sample_article)

        async def listed() -> bool:
            count: int = (await client.get("/v1/alerts")).json()["count"]
            return count == len(ids)

        await eventually(listed)
        bad = [
            await client.get("/v1/alerts", params={"limit": 0}),
            await client.get("/v1/alerts", params={"severity": "apocalyptic"}),
            await client.get("/v1/alerts", params={"since": "last tuesday"}),
        ]
    assert [r.status_code for r in bad] == [422, 422, 422]
