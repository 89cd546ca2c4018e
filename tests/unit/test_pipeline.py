"""The two-stage analysis (spaCy beside scoring) gives what one stage gives."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import iter_jsonl, validate

DEMO = Path(__file__).resolve().parents[2] / "services" / "data" / "samples" / "wikinews-demo.jsonl"


def test_overlap_does_not_change_results(analyzer: Analyzer) -> None:
    items = [x for _, x in iter_jsonl(DEMO) if isinstance(x, dict)][:7]
    articles = validate(items)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    one_stage = Analyzer(analyzer.nlp, analyzer.rules, method=analyzer.sentiment, overlap=0)
    two_stages = Analyzer(analyzer.nlp, analyzer.rules, method=analyzer.sentiment, overlap=2)
    timings: dict[str, float] = {}
    expected = [r.enriched.model_dump() for r in one_stage.analyze(articles, now)]
    got = [r.enriched.model_dump() for r in two_stages.analyze(articles, now, timings)]
    assert len(got) == 7
    assert got == expected
    assert any(a["actors"] for a in got)  # real articles, real actors
    assert {"nlp", "actors", "sentiment", "quotes", "rules"} <= set(timings)
