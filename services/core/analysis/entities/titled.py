"""Names the tagger took for places that a title or "who" marks as persons ("President Chávez")."""

from __future__ import annotations

from typing import Any

from wirewatch.core.analysis.entities.actors import ResolvedActor
from wirewatch.core.analysis.entities.aliases import Match
from wirewatch.core.analysis.entities.companies import _TITLE_BEFORE


def titled_at(doc: Any, start: int) -> bool:
    return _TITLE_BEFORE.search(doc.text, max(0, start - 30), start) is not None


def who_after(doc: Any, span: Any) -> bool:
    after = [t for t in doc[span.end : span.end + 2] if not t.is_punct]
    return bool(after) and after[0].lower_ == "who"


def is_person(doc: Any, actor: ResolvedActor) -> bool:
    """A title before one of its mentions; or "who" after one, when no mention is the object
    of a preposition ("refugees from Darfur, who" are the refugees)."""
    spans = [doc.char_span(m.start, m.end, alignment_mode="expand") for m in actor.mentions]
    if any(titled_at(doc, m.start) for m in actor.mentions):
        return True
    spans = [s for s in spans if s is not None]
    if any(s.root.dep_ == "pobj" for s in spans):
        return False
    return any(who_after(doc, s) for s in spans)


def retype(
    doc: Any, resolved: list[tuple[ResolvedActor, Match]]
) -> list[tuple[ResolvedActor, Match]]:
    """Each place the table does not know, never tagged a facility, that a title or "who"
    marks as a person becomes one (the id stays its slug)."""
    out = []
    for actor, match in resolved:
        if (
            match.actor is None
            and actor.type == "place"
            and not any(m.label == "FAC" for m in actor.mentions)
            and is_person(doc, actor)
        ):
            actor = ResolvedActor(actor.id, actor.name, "person", actor.mentions)
        out.append((actor, match))
    return out
