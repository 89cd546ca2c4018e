"""The Prometheus configuration under deploy/ passes promtool."""

from __future__ import annotations

import subprocess

from tests.conftest import REPO


def test_promtool_accepts_the_scrape_config() -> None:
    config = REPO / "deploy" / "prometheus" / "prometheus.yml"
    done = subprocess.run(
        ["promtool", "check", "config", str(config)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout + done.stderr
