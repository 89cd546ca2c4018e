"""`wirewatch run --enrich-workers N`: one process per worker, each with its own metrics port."""

from __future__ import annotations

import pytest

from services.cli import _parser
from services.launcher import _processes


def test_workers_get_names_and_consecutive_metrics_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIREWATCH_ENRICH_METRICS_PORT", "9100")
    procs = _processes(3)
    assert [name for name, _, _ in procs] == ["ingest", "enrich", "enrich-2", "enrich-3", "api"]
    ports = [extra.get("WIREWATCH_ENRICH_METRICS_PORT") for _, module, extra in procs]
    assert ports == [None, None, "9101", "9102", None]  # the first keeps the configured port


def test_the_option_is_bounded() -> None:
    assert _parser().parse_args(["run", "--enrich-workers", "2"]).enrich_workers == 2
    with pytest.raises(SystemExit):
        _parser().parse_args(["run", "--enrich-workers", "0"])
