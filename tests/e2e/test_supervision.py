"""The launcher and its children: Ctrl-C stops the broker last; killing it leaves nothing;
a service that dies is started again while the others and the data stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest

from tests.conftest import SAMPLE_JSON, Record
from tests.e2e.system import enriched_count
from wirewatch.core.broker import free_port

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


def _service_pid(launcher_pid: int, module: str) -> int:
    wanted = f"wirewatch.{module}".encode()
    return next(
        pid
        for pid in _children(launcher_pid)
        if wanted in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    )


@pytest.fixture
def ports() -> dict[str, int]:
    return {name: free_port() for name in ("API", "INGEST", "ENRICH_METRICS")}


@pytest.fixture
def launcher(
    tmp_path: Path, ports: dict[str, int]
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`wirewatch run` in a process group of its own, as a terminal would start it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIREWATCH_")}
    for name, port in ports.items():
        env[f"WIREWATCH_{name}_PORT"] = str(port)
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "wirewatch.cli", "run", "--no-samples"],
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
    launcher: tuple[subprocess.Popen[bytes], Path], record: Record
) -> None:
    record("11a. Ctrl-C", "SIGINT to the terminal's group: exit 0, no ERROR, nothing left")
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
    launcher: tuple[subprocess.Popen[bytes], Path], record: Record
) -> None:
    record("11b. killed launcher", "SIGKILL of `wirewatch run`: broker and services gone")
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
    launcher: tuple[subprocess.Popen[bytes], Path], record: Record
) -> None:
    record("11c. dead embedded broker", "the run ends with one clear message and exit 1")
    proc, log = launcher
    broker = next(
        pid for pid in _children(proc.pid) if b"tansu" in Path(f"/proc/{pid}/cmdline").read_bytes()
    )
    os.kill(broker, signal.SIGKILL)
    assert proc.wait(90) == 1
    assert "the embedded broker died" in log.read_text()


def _alert_ids(api: str) -> set[str]:
    response = httpx.get(f"{api}/v1/alerts", params={"limit": 1000}, timeout=10)
    response.raise_for_status()  # a restarting api answers 503 until ready: try again
    return {a["id"] for a in response.json()["alerts"]}


def _until(check: object, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("condition not met in time")


@pytest.mark.timeout(480)
def test_a_killed_service_is_restarted_and_the_data_stays(
    launcher: tuple[subprocess.Popen[bytes], Path], ports: dict[str, int], record: Record
) -> None:
    record(
        "9. api (and enrich) kill -9",
        "restarted by the launcher; `/v1/alerts` equals the pre-crash set; the restarted "
        "enrich consumes",
    )
    proc, log = launcher
    api, ingest = f"http://127.0.0.1:{ports['API']}", f"http://127.0.0.1:{ports['INGEST']}"
    article = orjson.loads(SAMPLE_JSON.read_bytes())
    httpx.post(f"{ingest}/v1/articles", json=article, timeout=30).raise_for_status()
    _until(lambda: _alert_ids(api), 120)
    before = _alert_ids(api)
    for module in ("enrich", "api"):
        os.kill(_service_pid(proc.pid, module), signal.SIGKILL)
    # The api comes back with the same alerts, rebuilt from the topic the broker kept.
    _until(lambda: _alert_ids(api) == before, 120)
    # The restarted enrich (its counters start from 0) consumes the next article.
    again = {**article, "id": "sample-after-restart", "title": article["title"] + " (again)"}
    httpx.post(f"{ingest}/v1/articles", json=again, timeout=30).raise_for_status()
    metrics_url = f"http://127.0.0.1:{ports['ENRICH_METRICS']}/metrics"
    _until(lambda: enriched_count(metrics_url) >= 1, 180)
    assert proc.poll() is None, log.read_text()[-3000:]
    text = log.read_text()
    assert "enrich exited with code -9; restarting it in 1 s" in text
    assert "api exited with code -9; restarting it in 1 s" in text
    assert "enrich restarted (restart 1)" in text
