"""The Prometheus configuration, rules and rule tests under deploy/ pass promtool."""

from __future__ import annotations

import subprocess
from typing import Any

import yaml

from tests.conftest import REPO

PROM = REPO / "deploy" / "prometheus"


def _promtool(*args: str) -> str:
    done = subprocess.run(["promtool", *args], capture_output=True, text=True, cwd=PROM)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout + done.stderr


def test_scrape_config_and_rules_are_valid() -> None:
    assert "SUCCESS" in _promtool("check", "config", "prometheus.yml")
    assert "SUCCESS" in _promtool("check", "rules", *(str(p) for p in PROM.glob("rules/*.yml")))


def test_rule_unit_tests_pass() -> None:
    assert "SUCCESS" in _promtool("test", "rules", *(str(p) for p in PROM.glob("tests/*.yml")))


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    alerts = {
        rule["alert"]
        for path in PROM.glob("rules/*.yml")
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    }
    cases: dict[str, set[bool]] = {}
    for path in PROM.glob("tests/*.yml"):
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                expected: list[Any] = case["exp_alerts"]
                cases.setdefault(case["alertname"], set()).add(bool(expected))
    assert len(alerts) >= 6
    assert {a: cases.get(a, set()) for a in alerts} == {a: {True, False} for a in alerts}


def test_compose_runs_the_prometheus_major_version_the_tests_use() -> None:
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    image = compose["services"]["prometheus"]["image"]
    compose_major = image.split(":v", 1)[1].split(".")[0]
    tested = _promtool("--version").split("version ", 1)[1].split(".")[0]
    assert compose_major == tested, (image, tested)
