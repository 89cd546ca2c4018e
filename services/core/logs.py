"""Logging setup: readable lines in a terminal, one JSON object per line in production."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import orjson


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the exception text when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(payload).decode()


class RepeatLimit(logging.Filter):
    """Lets one record of a kind (logger and message template) through per `window_s`;
    the next one that passes says how many were held back. A client that retries a lost
    broker many times a second then logs its trouble once in a while, not in a flood."""

    def __init__(self, window_s: float = 10.0):
        super().__init__()
        self.window_s = window_s
        self._last: dict[tuple[str, object], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.msg)
        last = self._last.get(key)
        if last is not None and record.created - last[0] < self.window_s:
            self._last[key] = (last[0], last[1] + 1)
            return False
        held = last[1] if last is not None else 0
        self._last[key] = (record.created, 0)
        if len(self._last) > 1_000:  # bounded: forget the kinds not seen for longest
            oldest = sorted(self._last, key=lambda k: self._last[k][0])[:500]
            for stale in oldest:
                del self._last[stale]
        if held:
            record.msg = (
                f"{record.msg} ({held} like it in the last {self.window_s:.0f} s not shown)"
            )
        return True


class _AiokafkaOnly(logging.Filter):
    def __init__(self, limit: RepeatLimit):
        super().__init__()
        self.limit = limit

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith("aiokafka") or self.limit.filter(record)


def configure(level: str = "INFO", fmt: str = "text") -> None:
    """Configure the root logger once per process."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka logs every reconnect attempt at ERROR. Its warnings and errors stay visible (a
    # lost broker is a real problem), but each kind at most once every ten seconds, with a
    # count of the repeats; its INFO and DEBUG chatter is dropped.
    aiokafka = logging.getLogger("aiokafka")
    aiokafka.setLevel(max(logging.WARNING, root.level))
    handler.addFilter(_AiokafkaOnly(RepeatLimit()))
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))
