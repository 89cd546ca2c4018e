"""Compiled rules and rule sets: what the engine evaluates against a MatchDoc."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wirewatch.core.analysis.rules import nodes as n
from wirewatch.core.analysis.rules.doc import MatchDoc
from wirewatch.core.models import Severity


class RuleError(ValueError):
    """A rule file that cannot be used, with the rule and field at fault."""


@dataclass(frozen=True)
class ShiftSpec:
    """A sentiment-shift rule: recent mean vs the baseline before it, per tracked actor."""

    selector: n.ActorSelector
    recent: int
    baseline: int
    threshold: float
    direction: Literal["either", "down", "up"]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    tags: tuple[str, ...]
    description: str
    kind: Literal["match", "sentiment_shift"]
    scope: n.Scope
    sources: frozenset[str] | None
    languages: frozenset[str] | None
    condition: n.Node | None
    cooldown_s: float
    shift: ShiftSpec | None

    def applies(self, doc: MatchDoc) -> bool:
        """Source and language filters (an article of unknown language counts as English)."""
        if self.sources is not None and doc.source not in self.sources:
            return False
        return self.languages is None or (doc.language or "en") in self.languages

    def evaluate(self, doc: MatchDoc) -> n.Outcome:
        if self.condition is None or not self.applies(doc):
            return n.Outcome(False)
        ctx = n.Context(doc, self.scope)
        ctx.term_sentences = {(h.field, h.sentence) for h in self.condition.term_hits(ctx)}
        return self.condition.evaluate(ctx)


class RuleSet:
    """A versioned set of rules; the version is a hash of the file (and its watchlists)."""

    def __init__(self, rules: list[Rule], version: str):
        self.rules = rules
        self.version = version
        self.by_id = {r.id: r for r in rules}

    def fired(self, doc: MatchDoc) -> list[tuple[Rule, n.Outcome]]:
        out = []
        for rule in self.rules:
            if rule.kind == "match":
                outcome = rule.evaluate(doc)
                if outcome.ok:
                    out.append((rule, outcome))
        return out

    @property
    def shift_rules(self) -> list[Rule]:
        return [r for r in self.rules if r.kind == "sentiment_shift"]
