"""Clubs the tagger took for persons in sports reports ("Leeds United", "Blackburn Rovers")."""

from __future__ import annotations

from typing import Any

from wirewatch.core.analysis.entities import teams
from wirewatch.core.analysis.entities.actors import ResolvedActor
from wirewatch.core.analysis.entities.aliases import Match

# Last words of club names. Outside sport the same words end cut spans ("116th United" of
# a Congress), so the rule reads sports reports only; nobody's personal name ends in them.
CLUB_WORDS = frozenset(
    (
        "united", "city", "town", "county", "rovers", "wanderers", "athletic", "albion",
        "hotspur", "rangers", "fc", "afc",
    )
)  # fmt: skip


def is_club_name(name: str) -> bool:
    """Two words or more, the last a club's word."""
    words = name.split()
    return len(words) >= 2 and words[-1].casefold() in CLUB_WORDS


def retype(
    doc: Any, resolved: list[tuple[ResolvedActor, Match]]
) -> list[tuple[ResolvedActor, Match]]:
    """In a sports report, each person the table does not know whose longest name ends in
    a club's word becomes an organisation (the id stays its slug)."""
    if not any(a.type == "person" for a, _ in resolved) or not teams.is_sports_report(doc):
        return resolved
    out = []
    for actor, match in resolved:
        if match.actor is None and actor.type == "person":
            if is_club_name(max(actor.surface_forms, key=len)):
                actor = ResolvedActor(actor.id, actor.name, "organisation", actor.mentions)
        out.append((actor, match))
    return out
