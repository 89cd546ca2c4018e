"""Settings come from WIREWATCH_* variables and are validated."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from wirewatch.api.settings import ApiSettings
from wirewatch.enrich.settings import EnrichSettings
from wirewatch.ingest.settings import IngestSettings


def test_env_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_KAFKA_BOOTSTRAP_SERVERS", "k1:9092, k2:9092")
    monkeypatch.setenv("WIREWATCH_TOPIC_PARTITIONS", "6")
    monkeypatch.setenv("WIREWATCH_INGEST_PORT", "9001")
    settings = IngestSettings()
    assert settings.kafka_bootstrap_servers == "k1:9092,k2:9092"
    assert settings.topic_partitions == 6
    assert settings.ingest_port == 9001


def test_defaults_match_the_documented_ports() -> None:
    assert ApiSettings().api_port == 8000
    assert IngestSettings().ingest_port == 8001
    assert EnrichSettings().enrich_metrics_port == 8002


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("WIREWATCH_TOPIC_RAW", "bad topic!"),
        ("WIREWATCH_KAFKA_BOOTSTRAP_SERVERS", "nohostport"),
        ("WIREWATCH_TOPIC_PARTITIONS", "0"),
        ("WIREWATCH_LOG_LEVEL", "LOUD"),
    ],
)
def test_invalid_values_are_rejected(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        IngestSettings()


@pytest.mark.parametrize(
    ("cls", "field"), [(IngestSettings, "ingest_api_keys"), (ApiSettings, "api_keys")]
)
def test_api_keys_are_whole_in_use_masked_in_the_log_and_long_enough(
    monkeypatch: pytest.MonkeyPatch, cls: type[IngestSettings] | type[ApiSettings], field: str
) -> None:
    key = "k3y-that-is-long-enough-0123"
    monkeypatch.setenv(f"WIREWATCH_{field.upper()}", f'{{"{key}": ["write"]}}')
    settings = cls()
    assert {k.get_secret_value(): v for k, v in getattr(settings, field).items()} == {
        key: ["write"]
    }
    logged = str(settings.masked())
    assert key not in logged
    assert "k3y-…" in logged
    assert key not in repr(settings)
    assert key not in str(settings)
    monkeypatch.setenv(f"WIREWATCH_{field.upper()}", '{"short-key": ["write"]}')
    with pytest.raises(ValidationError, match="at least 16 characters"):
        cls()
