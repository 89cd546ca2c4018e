"""Every metric the services define follows the naming rules and is documented."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY, generate_latest

import wirewatch.api.metrics
import wirewatch.enrich.metrics
import wirewatch.ingest.metrics  # noqa: F401  (registers the metrics)
from tests.conftest import REPO


def _ours() -> list[tuple[str, str]]:
    return [(m.name, m.type) for m in REGISTRY.collect() if m.name.startswith("wirewatch_")]


def test_names_follow_the_conventions() -> None:
    for name, kind in _ours():
        assert re.fullmatch(r"wirewatch_(ingest|enrich|api)_[a-z0-9_]+", name), name
        if kind == "histogram":
            assert name.endswith("_seconds"), name
        if kind == "gauge":
            assert not name.endswith("_total"), name


def test_every_metric_is_on_the_observability_page() -> None:
    readme = (REPO / "docs" / "observability.md").read_text()
    missing = []
    for name, kind in _ours():
        documented = f"`{name}_total`" if kind == "counter" else f"`{name}`"
        if documented not in readme:
            missing.append(documented)
    assert missing == []


def test_fixed_label_sets_exist_from_the_start_and_no_created_series() -> None:
    text = generate_latest(REGISTRY).decode()
    assert 'wirewatch_api_enriched_messages_total{outcome="invalid"}' in text
    assert 'wirewatch_enrich_rule_reloads_total{outcome="error"}' in text
    assert 'wirewatch_ingest_articles_total{outcome="rejected"}' in text
    assert "_created" not in text
