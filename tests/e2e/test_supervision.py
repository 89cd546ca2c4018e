"""The launcher and its children: Ctrl-C stops the broker last; killing it leaves nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.core.broker import free_port

pytestmark = pytest.mark.e2e


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`wirewatch run` in a process group of its own, as a terminal would start it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    for name in ("API", "INGEST", "ENRICH_METRICS"):
        env[f"WIREWATCH_{name}_PORT"] = str(free_port())
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "run", "--no-samples"],
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 180
    while "wirewatch is running" not in log.read_text():
        assert proc.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, log.read_text()[-3000:]
        time.sleep(0.3)
    try:
        yield proc, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_ctrl_c_stops_services_first_and_exits_cleanly(
    launcher: tuple[subprocess.Popen[bytes], Path],
) -> None:
    proc, log = launcher
    children = _children(proc.pid)
    assert len(children) == 4  # the broker and three services
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C does to its foreground group
    assert proc.wait(90) == 0, log.read_text()[-3000:]
    text = log.read_text()
    assert " ERROR " not in text, text[-3000:]
    assert "Traceback" not in text, text[-3000:]
    assert not [pid for pid in children if _alive(pid)]


def test_a_killed_launcher_leaves_nothing_running(
    launcher: tuple[subprocess.Popen[bytes], Path],
) -> None:
    proc, _ = launcher
    children = _children(proc.pid)
    assert len(children) == 4
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30
    while [pid for pid in children if _alive(pid)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in children if _alive(pid)]


def test_a_dead_embedded_broker_ends_the_run_with_a_clear_message(
    launcher: tuple[subprocess.Popen[bytes], Path],
) -> None:
    proc, log = launcher
    broker = next(
        pid for pid in _children(proc.pid) if b"tansu" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )
    os.kill(broker, signal.SIGKILL)
    assert proc.wait(90) == 1
    assert "the embedded broker died" in log.read_text()
