"""Alert rules: a YAML language of terms, groups, weights, proximity, actors and sentiment."""

from __future__ import annotations

from pathlib import Path

from wirewatch.core.analysis.rules.compiler import load, parse
from wirewatch.core.analysis.rules.doc import MatchDoc
from wirewatch.core.analysis.rules.evaluate import Rule, RuleError, RuleSet, ShiftSpec

DEFAULT_RULES = Path(__file__).resolve().parents[3] / "data" / "rules.yaml"

__all__ = [
    "DEFAULT_RULES",
    "MatchDoc",
    "Rule",
    "RuleError",
    "RuleSet",
    "ShiftSpec",
    "load",
    "parse",
]
