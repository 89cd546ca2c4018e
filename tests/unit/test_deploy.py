"""Deployment files and docs agree with the code: settings, commands, compose structure."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from pydantic.fields import FieldInfo

from tests.conftest import REPO
from wirewatch.api.settings import ApiSettings
from wirewatch.cli import _parser
from wirewatch.core import failpoints
from wirewatch.enrich.settings import EnrichSettings
from wirewatch.ingest.settings import IngestSettings
from wirewatch.tools import config_docs

ENV_RE = re.compile(r"\bWIREWATCH_[A-Z0-9_]+\b")
SETTINGS = {
    f"WIREWATCH_{name.upper()}"
    for cls in (IngestSettings, EnrichSettings, ApiSettings)
    for name in cls.model_fields
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    return loaded


@pytest.mark.parametrize(
    "path",
    [
        "docker-compose.yml",
        "deploy/Dockerfile",
        "README.md",
        "docs/services.md",
        "docs/brokers.md",
        "docs/deployment.md",
        "deploy/k8s/config.yaml",
        "deploy/k8s/ingest.yaml",
        "deploy/k8s/enrich.yaml",
        "deploy/k8s/api.yaml",
    ],
)
def test_every_variable_named_is_a_real_setting(path: str) -> None:
    named = set(ENV_RE.findall((REPO / path).read_text()))
    assert named, path
    # The one variable that is not a setting: the reliability tests' fault injection.
    known = SETTINGS | {failpoints.ENV}
    assert named <= known, sorted(named - known)


def test_the_configuration_page_is_generated_from_the_current_settings() -> None:
    page = (REPO / "docs" / "configuration.md").read_text()
    assert page == config_docs.render(), "stale: run make docs"
    missing = sorted(s for s in SETTINGS if f"| `{s}` |" not in page)
    assert not missing


def test_a_setting_without_a_description_fails_the_generator() -> None:
    field = FieldInfo(default=1)
    with pytest.raises(ValueError, match="no description"):
        config_docs._row("some_setting", field)


def test_compose_runs_each_service_with_a_real_command_and_health_check(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name in ("ingest", "enrich", "api"):
        args = _parser().parse_args(services[name]["command"])  # exits on an unknown command
        assert args.command == name
        assert services[name]["healthcheck"]["test"]
        assert services[name]["depends_on"]["topics"]["condition"] == (
            "service_completed_successfully"
        )
    assert services["topics"]["command"] == ["topics"]


def test_compose_kafka_is_kraft_without_auto_topic_creation(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 1


def test_compose_kafka_keeps_its_data_on_the_volume(compose: dict[str, Any]) -> None:
    kafka = compose["services"]["kafka"]
    mounts = {v.split(":")[1] for v in kafka["volumes"]}
    # apache/kafka maps KAFKA_X_Y to the broker property x.y: log.dirs is where data lives.
    assert kafka["environment"]["KAFKA_LOG_DIRS"] in mounts


def test_compose_secrets_are_required_and_well_formed() -> None:
    text = (REPO / "docker-compose.yml").read_text()
    refs = re.findall(r"\$\{([^}]*)\}", text)
    required = {"GRAFANA_ADMIN_PASSWORD", "WIREWATCH_INGEST_API_KEYS", "WIREWATCH_API_KEYS"}
    assert required <= {r.split(":")[0] for r in refs}
    assert all(":?" in r for r in refs), refs  # no silent empty defaults
    assert not re.search(r"\$\{[^}]*\{", text)  # a brace in a message would end the reference early
