"""Reloading the alert rules when their file changes (or on SIGHUP), keeping the last good set."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from wirewatch.core.analysis import rules as rules_mod
from wirewatch.enrich import metrics

log = logging.getLogger(__name__)


class RulesWatcher:
    """Polls the rule file's modification time and size; a broken file is reported once."""

    def __init__(self, path: Path, nlp: Any, interval_s: float):
        self.path = path
        self.nlp = nlp
        self.interval_s = interval_s
        self._stamp = self._read_stamp()
        self._checked = time.monotonic()
        self.forced = False

    def _read_stamp(self) -> tuple[float, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime, st.st_size

    def check(self) -> rules_mod.RuleSet | None:
        """A new rule set if the file changed and compiles; None otherwise."""
        due = time.monotonic() - self._checked >= self.interval_s
        if not (due or self.forced):
            return None
        self._checked = time.monotonic()
        stamp = self._read_stamp()
        if stamp == self._stamp and not self.forced:
            return None
        self._stamp, self.forced = stamp, False
        try:
            ruleset = rules_mod.load(self.path, self.nlp)
        except rules_mod.RuleError as exc:
            metrics.RULE_RELOADS.labels("error").inc()
            log.error("rules not reloaded, keeping the previous set: %s", exc)
            return None
        metrics.RULE_RELOADS.labels("ok").inc()
        log.info(
            "rules reloaded from %s: version %s, %d rules",
            self.path,
            ruleset.version,
            len(ruleset.rules),
        )
        return ruleset
