"""Fault injection for the reliability tests: a named point fails once, on demand.

Off unless `WIREWATCH_FAILPOINTS_DIR` is set. A test arms a point by creating the file of
that name in the directory; the next time a process passes the point it deletes the file
(so a restarted process runs on) and either exits at once, as `kill -9` would at that
moment (`hit`), or stalls for the seconds written in the file (`stall`).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

log = logging.getLogger(__name__)
ENV = "WIREWATCH_FAILPOINTS_DIR"
EXIT_CODE = 86


def _take(name: str) -> str | None:
    """The armed point's file content, disarming it; None when not armed."""
    folder = os.environ.get(ENV)
    if not folder:
        return None
    path = Path(folder) / name
    try:
        content = path.read_text()
        path.unlink()
    except FileNotFoundError:
        return None
    return content


def stall(name: str) -> None:
    """Sleep here for the seconds written in the armed point's file (a slow article)."""
    content = _take(name)
    if content is not None:
        seconds = float(content or "0")
        log.warning("failpoint %s: stalling %.0f s", name, seconds)
        time.sleep(seconds)


def hit(name: str) -> None:
    """Exit here (code 86, no cleanup) if the point `name` is armed."""
    if _take(name) is None:
        return
    log.error("failpoint %s: exiting now", name)
    logging.shutdown()
    os._exit(EXIT_CODE)
