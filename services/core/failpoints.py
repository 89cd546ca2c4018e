"""Fault injection for the reliability tests: a named point ends the process once, on demand.

Off unless `WIREWATCH_FAILPOINTS_DIR` is set. A test arms a point by creating the file of
that name in the directory; the next time a process passes the point it deletes the file
(so a restarted process runs on) and exits at once, as `kill -9` would at that moment.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)
ENV = "WIREWATCH_FAILPOINTS_DIR"
EXIT_CODE = 86


def hit(name: str) -> None:
    """Exit here (code 86, no cleanup) if the point `name` is armed."""
    folder = os.environ.get(ENV)
    if not folder:
        return
    try:
        (Path(folder) / name).unlink()
    except FileNotFoundError:
        return
    log.error("failpoint %s: exiting now", name)
    logging.shutdown()
    os._exit(EXIT_CODE)
