"""Grafana dashboards as code: current, described, on the provisioned datasource, and
querying only metrics that the services export (or that the recording rules define)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import wirewatch.api.metrics
import wirewatch.enrich.metrics
import wirewatch.ingest.metrics  # noqa: F401  (registers the metrics)
from deploy.grafana import build
from tests.conftest import REPO

GRAFANA = REPO / "deploy" / "grafana"
METRIC = re.compile(r"\bwirewatch[:_][a-z0-9_:]+")


def _panels() -> list[tuple[str, dict[str, Any]]]:
    return [(name, p) for name, d in build.DASHBOARDS.items() for p in d["panels"]]


def _known_series() -> set[str]:
    suffixes = {"counter": ["_total"], "histogram": ["_bucket", "_sum", "_count"], "gauge": [""]}
    names = {
        m.name + suffix
        for m in REGISTRY.collect()
        if m.name.startswith("wirewatch_")
        for suffix in suffixes[m.type]
    }
    for path in (REPO / "deploy" / "prometheus" / "rules").glob("*.yml"):
        for group in yaml.safe_load(path.read_text())["groups"]:
            names |= {r["record"] for r in group["rules"] if "record" in r}
    return names


@pytest.mark.parametrize("name", list(build.DASHBOARDS))
def test_committed_json_is_current(name: str) -> None:
    assert (GRAFANA / "dashboards" / f"{name}.json").read_text() == build.render(name)


def test_stable_uids_and_the_provisioned_datasource() -> None:
    provisioned = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    uid = provisioned["datasources"][0]["uid"]
    assert [d["uid"] for d in build.DASHBOARDS.values()] == [
        "wirewatch-overview",
        "wirewatch-pipeline",
        "wirewatch-actors",
    ]
    for _, panel in _panels():
        assert panel["datasource"]["uid"] == uid
        assert all(t["datasource"]["uid"] == uid for t in panel["targets"])


def test_every_panel_has_a_unit_a_description_and_rate_intervals() -> None:
    for dashboard, panel in _panels():
        where = f"{dashboard}/{panel['title']}"
        assert panel["description"].endswith("?"), where  # the question the panel answers
        assert panel["fieldConfig"]["defaults"]["unit"], where
        for target in panel["targets"]:
            for window in re.findall(r"(?:rate|increase)\([^\[]*\[([^\]]+)\]", target["expr"]):
                assert window == "$__rate_interval", where


def test_panels_query_only_exported_metrics() -> None:
    known = _known_series()
    used = {m for _, p in _panels() for t in p["targets"] for m in METRIC.findall(t["expr"])}
    assert used
    assert used - known == set()


def test_dashboard_files_are_json_grafana_can_load() -> None:
    for path in (GRAFANA / "dashboards").glob("*.json"):
        data = json.loads(path.read_text())
        assert data["schemaVersion"] >= 36
        assert len({p["id"] for p in data["panels"]}) == len(data["panels"])


def test_the_observability_page_lists_every_panel_with_its_question() -> None:
    page = (REPO / "docs" / "observability.md").read_text()
    for _, panel in _panels():
        assert f"| {panel['title']} | {panel['description']} |" in page, panel["title"]
