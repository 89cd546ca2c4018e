"""Names that news introduces as organisations ("oil giant Yukos", "Premiership side Bolton")."""

from __future__ import annotations

from typing import Any

from wirewatch.core.analysis.entities import teams
from wirewatch.core.analysis.entities.actors import ResolvedActor
from wirewatch.core.analysis.entities.aliases import Match
from wirewatch.core.analysis.entities.companies import person_role
from wirewatch.core.analysis.entities.mentions import first_names

# Nouns that name a kind of organisation. Words that are also people's jobs (producer,
# publisher, developer, investor, maker) are left out: "producer Spielberg" is a person.
DESCRIPTORS = frozenset(
    (
        "firm", "company", "giant", "group", "conglomerate", "carrier", "airline", "retailer",
        "supermarket", "chain", "bank", "insurer", "lender", "operator", "manufacturer",
        "carmaker", "automaker", "drugmaker", "chipmaker", "brewer", "broadcaster", "network",
        "regulator", "watchdog", "agency", "newspaper", "tabloid", "magazine", "club", "side",
        "outfit", "party", "union", "charity", "organisation", "organization", "association",
        "federation", "label", "studio",
    )
)  # fmt: skip
_ATTACHED = frozenset(("compound", "nmod", "amod", "appos"))
_DETERMINERS = frozenset(("the", "a", "an", "this", "that", "these", "those"))


def _is_descriptor(token: Any) -> bool:
    word = token.text
    return (
        word[:1].islower()
        and token.pos_ in ("NOUN", "PROPN")
        and (word.lower() in DESCRIPTORS or token.lemma_.lower() in DESCRIPTORS)
    )


def descriptor(span: Any) -> Any | None:
    """The noun right before the name that says what kind of organisation it is, if the
    parse attaches the two and no determiner makes the name a clause's subject ("the firm
    Jones runs")."""
    if span.start == 0:
        return None
    doc, root = span.doc, span.root
    noun = doc[span.start - 1]
    if not _is_descriptor(noun):
        return None
    attached = (noun.head.i in range(span.start, span.end) and noun.dep_ in _ATTACHED) or (
        root.head.i == noun.i and root.dep_ in _ATTACHED
    )
    if not attached:
        return None
    if noun.i > 0 and doc[noun.i - 1].lower_ in _DETERMINERS:
        return None
    return noun


def _counts(doc: Any, actor: ResolvedActor) -> tuple[int, int, int]:
    described = persons = places = 0
    for m in actor.mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        described += descriptor(span) is not None
        persons += person_role(doc, m.start, m.end)
        places += teams.role(span.root) == "place"
    return described, persons, places


def _given_name(actor: ResolvedActor) -> bool:
    return any(form.split()[0] in first_names() for form in actor.surface_forms)


def retype(
    doc: Any, resolved: list[tuple[ResolvedActor, Match]]
) -> list[tuple[ResolvedActor, Match]]:
    """Each person or place the table does not know that the text introduces as a kind of
    organisation, and names no more often as a person or a location, becomes one."""
    out = []
    for actor, match in resolved:
        if match.actor is None and actor.type in ("person", "place"):
            described, persons, places = _counts(doc, actor)
            if actor.type == "person":
                ok = described > 0 and not persons and not _given_name(actor)
            else:
                ok = described > 0 and described >= places
            if ok:
                actor = ResolvedActor(actor.id, actor.name, "organisation", actor.mentions)
        out.append((actor, match))
    return out
