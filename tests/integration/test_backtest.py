"""`wirewatch rules test` over a file and over the enriched topic; nothing is published."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from tests.conftest import SAMPLE_JSON, SAMPLES
from tests.helpers import produce, read_topic
from wirewatch.core import kafka
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import read_file
from wirewatch.core.settings import CommonSettings
from wirewatch.tools.backtest import backtest

pytestmark = pytest.mark.integration
RULES = Path(__file__).resolve().parents[2] / "services" / "data" / "rules.yaml"


def _row(out: str, rule: str) -> list[str]:
    return next(line.split() for line in out.splitlines() if line.startswith(rule + " "))


def test_backtest_over_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert backtest(RULES, SAMPLE_JSON, False, 0, 3) == 0
    out = capsys.readouterr().out
    assert "1 articles, nothing published" in out
    assert _row(out, "libya-actor-violence")[2:] == ["1", "1"]
    assert _row(out, "armed-violence")[2:] == ["0", "0"]
    assert "'attack'" in out
    assert "(why: " in out


def test_backtest_reports_a_broken_rule_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules:\n  - {id: x, name: X, severity: low}\n")
    assert backtest(bad, SAMPLE_JSON, False, 0, 3) == 2
    assert "rule 'x'" in capsys.readouterr().err


def test_backtest_from_the_enriched_topic(
    common: CommonSettings,
    analyzer: Analyzer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    asyncio.run(kafka.ensure_topics(common))
    articles = read_file(SAMPLE_JSON) + read_file(SAMPLES / "wikinews-demo.jsonl")[:5]
    for result in analyzer.analyze(articles):
        value = result.enriched.model_dump_json().encode()
        asyncio.run(produce(common.kafka_bootstrap_servers, common.topic_enriched, value))
    monkeypatch.setenv("WIREWATCH_KAFKA_BOOTSTRAP_SERVERS", common.kafka_bootstrap_servers)
    monkeypatch.setenv("WIREWATCH_TOPIC_ENRICHED", common.topic_enriched)
    assert backtest(RULES, None, True, 0, 3) == 0
    out = capsys.readouterr().out
    assert "6 articles, nothing published" in out
    assert int(_row(out, "libya-actor-violence")[2]) >= 1
    alerts = asyncio.run(read_topic(common.kafka_bootstrap_servers, common.topic_alerts, 1, 1))
    assert alerts == []


def test_backtest_names_and_passes_over_lines_that_are_not_articles(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = orjson.loads(SAMPLE_JSON.read_bytes())
    extra = {**good, "id": "other", "genre": "bio"}  # an export with fields of its own
    lines = [orjson.dumps(good), b"{not json", orjson.dumps(extra)]
    file = tmp_path / "mixed.jsonl"
    file.write_bytes(b"\n".join(lines) + b"\n")
    assert backtest(RULES, file, False, 0, 3) == 0
    captured = capsys.readouterr()
    assert "1 articles (2 invalid lines passed over, named above)" in captured.out
    assert "line 2: invalid JSON" in captured.err
    assert "line 3: body.genre: Extra inputs are not permitted" in captured.err
    assert _row(captured.out, "libya-actor-violence")[2:] == ["1", "1"]
    file.write_bytes(b"\n".join(lines[1:]) + b"\n")
    assert backtest(RULES, file, False, 0, 3) == 1
    assert "no valid article" in capsys.readouterr().err
