"""Places that act as states ("North Korea fired artillery rounds") made organisations."""

from __future__ import annotations

from typing import Any

from wirewatch.core.analysis.entities import teams
from wirewatch.core.analysis.entities.actors import ResolvedActor
from wirewatch.core.analysis.entities.aliases import Match

# What a state or its government does; "be", "have", "lie" or "border" are what a place is.
STATE_VERBS = frozenset(
    (
        "say", "state", "announce", "declare", "warn", "threaten", "accuse", "deny", "demand",
        "reject", "refuse", "agree", "sign", "impose", "lift", "fire", "launch", "attack",
        "invade", "retaliate", "evacuate", "deploy", "send", "recall", "expel", "ban", "vote",
        "veto", "condemn", "urge", "offer", "propose", "pledge", "promise", "respond",
        "claim", "insist", "order", "approve", "recognise", "recognize", "negotiate",
        "boycott", "withdraw", "arrest", "detain", "release", "ratify", "oppose", "support",
        "criticise", "criticize", "welcome", "summon", "confirm",
    )
)  # fmt: skip
MIN_AGENT = 2


def is_agent(token: Any) -> bool:
    """The active subject of a verb of state action."""
    return token.dep_ == "nsubj" and token.head.lemma_.lower() in STATE_VERBS


def _roles(doc: Any, actor: ResolvedActor) -> tuple[int, int]:
    agents = places = 0
    for m in actor.mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        agents += is_agent(span.root)
        places += teams.role(span.root) == "place"
    return agents, places


def retype(
    doc: Any, resolved: list[tuple[ResolvedActor, Match]]
) -> list[tuple[ResolvedActor, Match]]:
    """Each place named at least twice as a state acting, and more often so than as a
    location, becomes an organisation with the same id: the same state, as an actor."""
    out = []
    for actor, match in resolved:
        if actor.type == "place" and not any(m.label in ("FAC", "LOC") for m in actor.mentions):
            agents, places = _roles(doc, actor)
            if agents >= MIN_AGENT and agents > places:
                actor = ResolvedActor(actor.id, actor.name, "organisation", actor.mentions)
        out.append((actor, match))
    return out
