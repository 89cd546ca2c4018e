"""The enrich worker on the real broker: outputs, DLQ, commits after acks, graceful stop."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from tests.helpers import eventually, produce, produce_many, read_topic, sample
from wirewatch.core import kafka
from wirewatch.core.analysis.alerting import Alerting
from wirewatch.core.articles import validate
from wirewatch.core.models import Alert, EnrichedArticle
from wirewatch.core.settings import CommonSettings
from wirewatch.enrich.settings import EnrichSettings
from wirewatch.enrich.worker import run

pytestmark = pytest.mark.integration


@contextlib.asynccontextmanager
async def worker(settings: EnrichSettings) -> AsyncIterator[asyncio.Task[None]]:
    stop = asyncio.Event()
    task = asyncio.create_task(run(settings, stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def _settings(common: CommonSettings, unique: str) -> EnrichSettings:
    return EnrichSettings(
        **common.model_dump(),
        enrich_group_id=f"group.{unique}",
        enrich_batch_size=4,
        # Tansu numbers the first generation 0, which aiokafka takes as "never joined" and
        # so sends no LeaveGroup: a restarted worker waits out the old member's session.
        enrich_session_timeout_ms=6_000,
        enrich_heartbeat_interval_ms=1_000,
    )


TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


async def _raw(settings: CommonSettings, article: dict[str, Any]) -> str:
    [raw] = validate([article])
    await produce(
        settings.kafka_bootstrap_servers,
        settings.topic_raw,
        raw.model_dump_json().encode(),
        raw.id.encode(),
        headers=[("wirewatch-trace-id", TRACE.encode())],
    )
    return raw.id


async def _committed(settings: EnrichSettings) -> dict[int, int | None]:
    cons = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers, group_id=settings.enrich_group_id
    )
    await cons.start()
    try:
        tps = [TopicPartition(settings.topic_raw, p) for p in range(settings.topic_partitions)]
        return {tp.partition: await cons.committed(tp) for tp in tps}
    finally:
        await cons.stop()


async def test_sample_article_enriched_with_alert_and_offsets_committed(
    common: CommonSettings, unique: str, sample_article: dict[str, Any]
) -> None:
    settings = _settings(common, unique)
    await kafka.ensure_topics(settings)
    article_id = await _raw(settings, sample_article)
    bootstrap = settings.kafka_bootstrap_servers
    async with worker(settings):
        [record] = await read_topic(bootstrap, settings.topic_enriched, want=1)
        alerts = await read_topic(bootstrap, settings.topic_alerts, want=2)

        async def committed_one() -> bool:
            return sum((o or 0) for o in (await _committed(settings)).values()) == 1

        await eventually(committed_one)
    enriched = EnrichedArticle.model_validate_json(record.value)
    assert enriched.id == article_id == record.key.decode()
    assert {"Khalifa Haftar", "Turkey", "Government of National Accord"} <= {
        a.name for a in enriched.actors
    }
    parsed = [Alert.model_validate_json(r.value) for r in alerts]
    assert {a.rule_id for a in parsed} == {r.rule_id for r in enriched.alerts}
    assert all(a.article_id == article_id for a in parsed)
    assert [r.key.decode() for r in alerts] == [a.id for a in parsed]
    # Routing headers: schema, content type, producer, and the raw article's trace id.
    for output, schema in [(record, "article.enriched.v1"), *((a, "alert.v1") for a in alerts)]:
        assert dict(output.headers) == {
            "wirewatch-schema": schema.encode(),
            "content-type": b"application/json",
            "wirewatch-producer": b"enrich",
            "wirewatch-trace-id": TRACE.encode(),
        }


async def test_bad_message_goes_to_dlq_and_the_partition_moves_on(
    common: CommonSettings, unique: str
) -> None:
    settings = _settings(common, unique)
    await kafka.ensure_topics(settings)
    bootstrap = settings.kafka_bootstrap_servers
    # Same key, so same partition: the good article sits behind the bad message.
    await produce(bootstrap, settings.topic_raw, b"{this is not json", key=b"same-key")
    await produce(bootstrap, settings.topic_raw, b'{"schema_version": 1, "id": "x"}', b"same-key")
    good_id = await _raw(settings, {"text": "Rockets hit the port of Tripoli.", "id": "same-key"})
    async with worker(settings):
        dead = await read_topic(bootstrap, settings.topic_dlq, want=2)
        [enriched] = await read_topic(bootstrap, settings.topic_enriched, want=1)
    assert EnrichedArticle.model_validate_json(enriched.value).id == good_id
    assert len(dead) == 2
    headers = [dict(r.headers) for r in dead]
    assert {h["wirewatch-dlq-reason"] for h in headers} == {b"invalid_message"}
    assert all(h["wirewatch-source-topic"] == settings.topic_raw.encode() for h in headers)
    assert sorted(int(h["wirewatch-source-offset"]) for h in headers) == [0, 1]
    assert b"text" in headers[1]["wirewatch-dlq-error"]  # names the missing field
    assert dead[0].value == b"{this is not json"


async def test_restart_resumes_from_the_commit(common: CommonSettings, unique: str) -> None:
    settings = _settings(common, unique)
    await kafka.ensure_topics(settings)
    bootstrap = settings.kafka_bootstrap_servers
    await _raw(settings, {"text": "A quiet day at the market.", "id": "first"})
    async with worker(settings):
        await read_topic(bootstrap, settings.topic_enriched, want=1)
    await _raw(settings, {"text": "Another quiet day.", "id": "second"})
    async with worker(settings):
        records = await read_topic(bootstrap, settings.topic_enriched, want=2)
        await asyncio.sleep(1)  # a re-read of "first" would show up here
        records = await read_topic(bootstrap, settings.topic_enriched, want=3, timeout_s=2)
    assert sorted(r.key.decode() for r in records) == ["first", "second"]


async def test_rules_reload_and_a_broken_file_keeps_the_last_good_set(
    common: CommonSettings, unique: str, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("rules:\n  - {id: one, name: One, severity: low, terms: [rocket]}\n")
    settings = _settings(common, unique).model_copy(
        update={"enrich_rules_path": path, "enrich_rules_reload_interval_s": 0.1}
    )
    await kafka.ensure_topics(settings)
    bootstrap, topic = settings.kafka_bootstrap_servers, settings.topic_alerts

    async def alerts(want: int) -> list[Alert]:
        records = await read_topic(bootstrap, topic, want=want)
        assert len(records) == want
        return sorted(
            (Alert.model_validate_json(r.value) for r in records), key=lambda a: a.article_id
        )

    async with worker(settings):
        await _raw(settings, {"text": "A rocket fell.", "id": "a1"})
        [first] = await alerts(1)
        path.write_text("rules:\n  - {id: one, name: One, severity: apocalyptic, terms: [x]}\n")
        await asyncio.sleep(1)
        await _raw(settings, {"text": "Another rocket fell.", "id": "a2"})
        _, second = await alerts(2)
        path.write_text("rules:\n  - {id: two, name: Two, severity: high, terms: [shelling]}\n")
        await asyncio.sleep(1)
        await _raw(settings, {"text": "Shelling resumed at dawn.", "id": "a3"})
        _, _, third = await alerts(3)
    assert second.rule_id == first.rule_id == "one"
    assert second.rules_version == first.rules_version  # the broken file changed nothing
    assert third.rule_id == "two"
    assert third.rules_version != first.rules_version


async def test_articles_in_other_languages_are_skipped(common: CommonSettings, unique: str) -> None:
    settings = _settings(common, unique)
    await kafka.ensure_topics(settings)
    french = (
        "Les forces du maréchal Haftar ont tiré des roquettes sur l'aéroport de Tripoli mardi, "
        "selon des responsables du gouvernement d'union nationale."
    )
    skipped = sample("wirewatch_enrich_messages_total", outcome="skipped_language")
    await _raw(settings, {"text": french, "id": "fr-1"})
    await _raw(
        settings,
        {"text": "Rockets hit the port of Tripoli on Tuesday, officials said.", "id": "en-1"},
    )
    async with worker(settings):
        records = await read_topic(
            settings.kafka_bootstrap_servers, settings.topic_enriched, want=2, timeout_s=15
        )
    assert [r.key.decode() for r in records] == ["en-1"]
    assert sample("wirewatch_enrich_messages_total", outcome="skipped_language") == skipped + 1


async def test_pipelined_batches_publish_everything_once_and_commit_the_end(
    common: CommonSettings, unique: str
) -> None:
    """Batches of two, many in a row: the next batch is analysed while one is published."""
    settings = _settings(common, unique).model_copy(update={"enrich_batch_size": 2})
    await kafka.ensure_topics(settings)
    texts = [
        f"Officials in Paris said on day {i} that talks with Germany on trade had resumed."
        for i in range(14)
    ]
    raws = validate(
        [{"id": f"pipe-{i}", "title": f"Talks {i}", "text": t} for i, t in enumerate(texts)]
    )
    items: list[tuple[bytes | None, bytes]] = [
        (r.id.encode(), r.model_dump_json().encode()) for r in raws
    ]
    items.insert(7, (b"poison", b"{not json"))
    await produce_many(settings.kafka_bootstrap_servers, settings.topic_raw, items)
    async with worker(settings):
        enriched = await read_topic(
            settings.kafka_bootstrap_servers, settings.topic_enriched, want=len(raws), timeout_s=90
        )
        dead = await read_topic(settings.kafka_bootstrap_servers, settings.topic_dlq, want=1)

        async def all_committed() -> bool:
            return sum((o or 0) for o in (await _committed(settings)).values()) == len(items)

        await eventually(all_committed, timeout_s=30)
    keys = sorted(r.key.decode() for r in enriched)
    assert keys == sorted(r.id for r in raws)  # each once
    assert [r.key for r in dead] == [b"poison"]


async def test_a_tombstone_keeps_its_null_and_an_alerting_bug_dead_letters_one_article(
    common: CommonSettings, unique: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(common, unique)
    await kafka.ensure_topics(settings)
    bootstrap = settings.kafka_bootstrap_servers
    original = Alerting.process

    def process(self: Alerting, result: Any, *args: Any) -> Any:
        if result.enriched.id == "boom":
            raise RuntimeError("a bug in a rule")
        return original(self, result, *args)

    monkeypatch.setattr(Alerting, "process", process)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(settings.topic_raw, value=None, key=b"tomb")
    finally:
        await producer.stop()
    await _raw(settings, {"text": "Rockets hit the port of Tripoli.", "id": "boom"})
    good = await _raw(settings, {"text": "Rockets hit the port of Misrata.", "id": "fine"})
    async with worker(settings) as task:
        dead = await read_topic(bootstrap, settings.topic_dlq, want=2)
        [enriched] = await read_topic(bootstrap, settings.topic_enriched, want=1)
        assert not task.done()  # the worker carried on
    by_key = {r.key: r for r in dead}
    assert by_key[b"tomb"].value is None
    assert dict(by_key[b"tomb"].headers)["wirewatch-dlq-reason"] == b"invalid_message"
    boom = dict(by_key[b"boom"].headers)
    assert boom["wirewatch-dlq-reason"] == b"processing_error"
    assert b"a bug in a rule" in boom["wirewatch-dlq-error"]
    assert EnrichedArticle.model_validate_json(enriched.value).id == good
