"""Place names that stand for teams in sports reports ("England beat Wales") made organisations."""

from __future__ import annotations

import re
from typing import Any

from wirewatch.core.analysis.entities.actors import ResolvedActor
from wirewatch.core.analysis.entities.aliases import NO_MATCH, Match
from wirewatch.core.ids import actor_slug

# Words that only sport uses; "win", "race", "final", "season" or "team" are left out because
# elections and companies use them too.
SPORT_TERMS = frozenset(
    (
        "league", "cup", "goal", "goalkeeper", "striker", "midfielder", "defender", "coach",
        "inning", "innings", "wicket", "batsman", "bowler", "referee", "touchdown",
        "quarterback", "pitcher", "scrum", "rugby", "football", "soccer", "cricket", "hockey",
        "baseball", "basketball", "tennis", "olympics", "olympic", "tournament", "match",
        "fixture", "kick-off", "half-time", "playoff", "playoffs", "semi-final", "quarter-final",
        "squad", "stadium", "championship", "umpire", "penalty", "homer",
    )
)  # fmt: skip
MIN_TERMS = 3
_SCORELINE = re.compile(r"(?<![\d/.:-])\d{1,3}\s?[-–]\s?\d{1,3}(?![\d/.:-])")
# Verbs whose subject or object, in a sports report, is a side in a contest.
CONTEST_VERBS = frozenset(
    (
        "beat", "defeat", "draw", "lose", "win", "play", "face", "meet", "score", "concede",
        "lead", "trail", "edge", "thrash", "rout", "overcome", "eliminate", "qualify",
        "advance", "tie", "debut", "field", "crush", "hammer", "outplay", "clinch", "top",
        "equalise", "equalize", "oust", "upset", "sweep", "whitewash", "bat", "bowl", "chase",
        "knock", "down", "overpower", "dominate",
    )
)  # fmt: skip
TEAM_NOUNS = frozenset(
    (
        "coach", "manager", "boss", "captain", "skipper", "squad", "side", "team", "player",
        "goalkeeper", "keeper", "striker", "midfielder", "defender", "forward", "winger",
        "defence", "defense", "fan", "supporter", "international", "debut", "lineup",
        "line-up", "bench", "shirt", "jersey", "victory", "defeat", "goal", "innings", "bowler",
        "batsman", "pitcher", "quarterback", "roster", "selector",
    )
)  # fmt: skip
# Prepositions that name an opponent by themselves, and those that do after a contest verb.
OPPONENT_PREPS = frozenset(("against", "v", "v.", "vs", "vs.", "versus"))
CONTEST_PREPS = frozenset(("with", "to", "for", "over", "by"))
PLACE_PREPS = frozenset(("in", "at", "near", "across", "throughout", "outside", "inside"))


def is_sports_report(doc: Any) -> bool:
    """Three distinct sport-only terms, or a scoreline and two."""
    terms = {t.lower_ for t in doc if t.lower_ in SPORT_TERMS}
    terms |= {t.lemma_.lower() for t in doc if t.lemma_.lower() in SPORT_TERMS}
    if len(terms) >= MIN_TERMS:
        return True
    return len(terms) >= MIN_TERMS - 1 and _SCORELINE.search(doc.text) is not None


def role(token: Any) -> str | None:
    """`team` when the token names a side in a contest, `place` when a location, else None."""
    head = token.head
    if token.dep_ in ("nsubj", "nsubjpass", "dobj") and head.lemma_.lower() in CONTEST_VERBS:
        return "team"
    if token.dep_ in ("poss", "compound", "nmod") and head.lemma_.lower() in TEAM_NOUNS:
        return "team"
    if token.dep_ != "pobj":
        return None
    prep = head.lower_
    if prep in OPPONENT_PREPS:
        return "team"
    if prep in CONTEST_PREPS and head.head.lemma_.lower() in CONTEST_VERBS:
        return "team"
    return "place" if prep in PLACE_PREPS else None


def _roles(doc: Any, actor: ResolvedActor) -> tuple[int, int]:
    teams = places = 0
    for m in actor.mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        found = role(span.root) if span is not None else None
        teams += found == "team"
        places += found == "place"
    return teams, places


def team_id(name: str) -> str:
    """The team's own id: not the place's, which the alias table may know as a country."""
    return f"{actor_slug(name)}-team"


def retype(
    doc: Any, resolved: list[tuple[ResolvedActor, Match]]
) -> list[tuple[ResolvedActor, Match]]:
    """In a sports report, each actor named only as a place that plays as a team (at least
    once, and no less often than it stands for a location) becomes that team."""
    if not any(a.type == "place" for a, _ in resolved) or not is_sports_report(doc):
        return resolved
    out = []
    for actor, match in resolved:
        # Not a facility or a region (spaCy's FAC, LOC): a stadium or a valley is where a
        # game is played. Any other label may be a tagger's slip ("beat England" as PERSON).
        if actor.type == "place" and not any(m.label in ("FAC", "LOC") for m in actor.mentions):
            teams, places = _roles(doc, actor)
            if teams and teams >= places:
                # The table's name is the place's ("United States"); the article's is the team's.
                name = max(actor.surface_forms, key=len) if match.actor else actor.name
                actor = ResolvedActor(team_id(name), name, "organisation", actor.mentions)
                match = NO_MATCH
        out.append((actor, match))
    return out
