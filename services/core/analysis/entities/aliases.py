"""Canonical actors across articles: an alias table (YAML) and careful fuzzy matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

from wirewatch.core.analysis.entities.actors import ResolvedActor
from wirewatch.core.models import ActorType

DEFAULT_TABLE = Path(__file__).resolve().parents[3] / "data" / "actors.yaml"
# Above MERGE a name is taken as the known actor; between CANDIDATE and MERGE it is kept
# apart and reported as a possible match. Measured on transliteration variants and
# near-miss pairs (Niger/Nigeria, Austria/Australia, Khalid/Khalifa) in the unit tests.
MERGE = 92.0
CANDIDATE = 80.0
_PREFIX = re.compile(r"\b(?:al|el|ad|ar|as|at|ash|an|az)\s+(?=\w)")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def alias_key(name: str) -> str:
    """The matching form of a name: ascii, case-folded, no punctuation, hyphens as spaces,
    no leading "the" and no Arabic article prefixes (al-, el-, ...)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = _NON_WORD.sub(" ", ascii_name.casefold().replace("'s ", " ")).split()
    if words[:1] == ["the"] and len(words) > 1:
        words = words[1:]
    return _PREFIX.sub("", " ".join(words)).strip()


class KnownActor(BaseModel):
    """One entry of the alias table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str = Field(min_length=1)
    type: ActorType
    aliases: tuple[str, ...] = ()
    wikidata: str | None = Field(None, pattern=r"^Q[0-9]+$")


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actors: list[KnownActor]


@dataclass(frozen=True)
class Candidate:
    """A known actor a name resembles without being surely the same."""

    actor: KnownActor
    score: float


@dataclass(frozen=True)
class Match:
    """What the table says about a name: the actor (alias or fuzzy), or only candidates."""

    actor: KnownActor | None
    how: str  # "alias", "fuzzy" or "none"
    score: float
    candidates: tuple[Candidate, ...] = ()


NO_MATCH = Match(None, "none", 0.0)
_COMPATIBLE: dict[ActorType, frozenset[ActorType]] = {
    "person": frozenset({"person"}),
    "organisation": frozenset({"organisation", "group"}),
    "group": frozenset({"organisation", "group"}),
    "place": frozenset({"place"}),
}


class AliasTable:
    """Known actors by every normalised alias; fuzzy lookup against the same keys."""

    def __init__(self, actors: Iterable[KnownActor]):
        self.actors: dict[str, KnownActor] = {}
        for actor in actors:
            self.actors[actor.id] = actor  # later definitions of an id win
        self._by_key: dict[str, KnownActor] = {}
        for actor in self.actors.values():
            for alias in (actor.name, *actor.aliases):
                key = alias_key(alias)
                if key:
                    self._by_key.setdefault(key, actor)
        self._keys = list(self._by_key)

    def __len__(self) -> int:
        return len(self.actors)

    @classmethod
    def load(cls, paths: Iterable[Path] = ()) -> AliasTable:
        """The bundled table, then each user file in order."""
        actors: list[KnownActor] = []
        for path in (DEFAULT_TABLE, *paths):
            actors += _File.model_validate(yaml.safe_load(path.read_text()) or {}).actors
        return cls(actors)

    def lookup(self, names: Iterable[str], type_: ActorType) -> Match:
        """The best answer for an actor known by these names (canonical name first)."""
        keys = [k for k in dict.fromkeys(alias_key(n) for n in names) if k]
        for key in keys:
            if key in self._by_key:
                return Match(self._by_key[key], "alias", 100.0)
        best: dict[str, Candidate] = {}
        for key in keys:
            for candidate in self._fuzzy(key, type_):
                known = best.get(candidate.actor.id)
                if known is None or candidate.score > known.score:
                    best[candidate.actor.id] = candidate
        ranked = sorted(best.values(), key=lambda c: -c.score)
        if ranked and ranked[0].score >= MERGE and (len(ranked) == 1 or ranked[1].score < MERGE):
            return Match(ranked[0].actor, "fuzzy", ranked[0].score, tuple(ranked[1:3]))
        if ranked:
            return Match(None, "none", 0.0, tuple(ranked[:3]))
        return NO_MATCH

    def _fuzzy(self, key: str, type_: ActorType) -> list[Candidate]:
        if len(key) < 5:  # short names and acronyms: one letter changes everything
            return []
        found = process.extract(key, self._keys, scorer=fuzz.ratio, score_cutoff=CANDIDATE, limit=5)
        out = []
        for alias, score, _ in found:
            actor = self._by_key[alias]
            if actor.type in _COMPATIBLE[type_] and _same_shape(key, alias):
                out.append(Candidate(actor, round(float(score), 1)))
        return out


def _same_shape(a: str, b: str) -> bool:
    """Fuzzy matches keep the word count and each word's first letter: "Hafter" may be
    "Haftar", but "Niger" is not "Nigeria" once the lengths differ this much."""
    wa, wb = a.split(), b.split()
    return len(wa) == len(wb) and all(x[0] == y[0] for x, y in zip(wa, wb, strict=True))


def canonicalise(
    actors: list[ResolvedActor], table: AliasTable
) -> list[tuple[ResolvedActor, Match]]:
    """Each in-article actor named as the table knows it; two that the table says are one
    (say "Haftar's forces" and "Khalifa Hifter") become one actor."""
    merged: dict[str, tuple[ResolvedActor, Match]] = {}
    for actor in actors:
        match = table.lookup([actor.name, *actor.surface_forms], actor.type)
        known = match.actor
        key = known.id if known is not None else actor.id
        if key in merged:
            merged[key][0].mentions.extend(actor.mentions)
            merged[key][0].mentions.sort(key=lambda m: m.start)
            continue
        if known is not None:
            actor = ResolvedActor(known.id, known.name, known.type, list(actor.mentions))
        merged[key] = (actor, match)
    return sorted(merged.values(), key=lambda pair: pair[0].mentions[0].start)
