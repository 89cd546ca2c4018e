"""Alert rules from YAML: terms and phrases matched on lemmas, each with an id and severity."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.core.models import Severity, TermMatch

DEFAULT_RULES = Path(__file__).resolve().parents[2] / "data" / "rules.yaml"


class RuleSpec(BaseModel):
    """One rule as written in the YAML file."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")
    name: str = Field(min_length=1)
    severity: Severity
    terms: list[str] = Field(min_length=1)
    min_matches: int = Field(1, ge=1, description="Distinct terms needed to fire.")
    description: str = ""


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RuleSpec] = Field(min_length=1)


class RuleError(ValueError):
    """A rule file that cannot be used, with the reason."""


@dataclass(frozen=True)
class Term:
    """A term or phrase: per word, the forms a token may have (its text or lemma)."""

    text: str
    forms: tuple[frozenset[str], ...]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    terms: tuple[Term, ...]
    min_matches: int


def _forms(token: Any) -> frozenset[str]:
    return frozenset({token.lower_, token.lemma_.lower()})


class RuleSet:
    """Compiled rules with an index from a word form to the terms that start with it."""

    def __init__(self, rules: list[Rule], version: str):
        self.rules = rules
        self.version = version
        self._index: dict[str, list[tuple[Rule, Term]]] = defaultdict(list)
        for rule in rules:
            for term in rule.terms:
                for form in term.forms[0]:
                    self._index[form].append((rule, term))

    def match(self, doc: Any, field: Literal["title", "text"]) -> dict[str, list[TermMatch]]:
        """Every rule term found in `doc`, by rule id, in text order."""
        found: dict[str, list[TermMatch]] = defaultdict(list)
        seen: set[tuple[str, str, int]] = set()
        for i, token in enumerate(doc):
            for form in _forms(token):
                for rule, term in self._index.get(form, ()):
                    key = (rule.id, term.text, i)
                    if key not in seen and _matches_at(doc, i, term):
                        seen.add(key)
                        span = doc[i : i + len(term.forms)]
                        found[rule.id].append(
                            TermMatch(
                                term=term.text,
                                text=span.text,
                                field=field,
                                start=span.start_char,
                                end=span.end_char,
                            )
                        )
        return found

    def fired(self, matches: dict[str, list[TermMatch]]) -> Iterable[tuple[Rule, list[TermMatch]]]:
        """The rules whose distinct matched terms reach their minimum."""
        for rule in self.rules:
            hits = matches.get(rule.id, [])
            if len({m.term for m in hits}) >= rule.min_matches:
                yield rule, hits


def _matches_at(doc: Any, i: int, term: Term) -> bool:
    if i + len(term.forms) > len(doc):
        return False
    return all(_forms(doc[i + k]) & forms for k, forms in enumerate(term.forms))


def parse(source: str, nlp: Any) -> RuleSet:
    """Validate and compile a YAML rule file's text; RuleError says what is wrong."""
    try:
        spec = RuleFile.model_validate(yaml.safe_load(source))
    except yaml.YAMLError as exc:
        raise RuleError(f"rules: not valid YAML: {exc}") from exc
    except ValidationError as exc:
        raise RuleError(f"rules: {exc}") from exc
    ids = [r.id for r in spec.rules]
    if len(set(ids)) != len(ids):
        raise RuleError(f"rules: duplicate rule ids in {ids}")
    rules = [
        Rule(r.id, r.name, r.severity, tuple(_compile(t, nlp) for t in r.terms), r.min_matches)
        for r in spec.rules
    ]
    return RuleSet(rules, hashlib.sha256(source.encode()).hexdigest()[:12])


def _compile(text: str, nlp: Any) -> Term:
    doc = nlp(text.strip())
    if len(doc) == 0:
        raise RuleError(f"rules: empty term {text!r}")
    return Term(text.strip().lower(), tuple(_forms(t) for t in doc))


def load(path: Path, nlp: Any) -> RuleSet:
    return parse(path.read_text(encoding="utf-8"), nlp)
