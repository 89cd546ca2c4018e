"""Every metric the services define follows the naming rules and is documented."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY

import services.api.metrics
import services.enrich.metrics
import services.ingest.metrics  # noqa: F401  (registers the metrics)
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
