"""`wirewatch topics`: creates what is missing, once, and says so (as a table or as JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from wirewatch.core.settings import CommonSettings

pytestmark = pytest.mark.integration


def _topics(common: CommonSettings) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    env["WIREWATCH_KAFKA_BOOTSTRAP_SERVERS"] = common.kafka_bootstrap_servers
    for name in ("raw", "enriched", "alerts", "dlq", "webhooks", "feeds", "feed_state"):
        env[f"WIREWATCH_TOPIC_{name.upper()}"] = getattr(common, f"topic_{name}")
    return subprocess.run(
        [sys.executable, "-m", "wirewatch.cli", "topics", "--format", "json"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_topics_are_created_once(common: CommonSettings) -> None:
    first, second = _topics(common), _topics(common)
    assert first.returncode == 0, first.stderr
    assert sorted(json.loads(first.stdout)["created"]) == sorted(common.all_topics())
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == {"created": [], "config_differs": []}
