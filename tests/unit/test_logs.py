"""A lost broker logs a line per kind of trouble now and then, not hundreds a second."""

from __future__ import annotations

import logging

from wirewatch.core.logs import RepeatLimit


def _record(name: str, msg: str, created: float) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.ERROR, __file__, 1, msg, None, None)
    record.created = created
    return record


def test_one_of_a_kind_per_window_and_a_count_of_the_rest() -> None:
    limit = RepeatLimit(window_s=10)
    passed = [
        r
        for i in range(450)  # 450 a second, as aiokafka does against a dead broker
        if limit.filter(r := _record("aiokafka.conn", "Unable connect to %s", 100 + i / 450))
    ]
    assert len(passed) == 1
    later = _record("aiokafka.conn", "Unable connect to %s", 111.0)
    assert limit.filter(later)
    assert "449 like it" in later.getMessage()


def test_other_kinds_are_not_held_back() -> None:
    limit = RepeatLimit(window_s=10)
    assert limit.filter(_record("aiokafka.conn", "Unable connect to %s", 1.0))
    assert limit.filter(_record("aiokafka.consumer", "Heartbeat failed", 1.1))
    assert not limit.filter(_record("aiokafka.conn", "Unable connect to %s", 1.2))
