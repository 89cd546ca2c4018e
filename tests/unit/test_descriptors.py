"""Names introduced as organisations by the noun before them ("oil giant Yukos")."""

from __future__ import annotations

from typing import Any

import pytest

from wirewatch.core.analysis.entities import descriptors
from wirewatch.core.analysis.entities.actors import RawMention, ResolvedActor
from wirewatch.core.analysis.entities.aliases import NO_MATCH, KnownActor, Match

# Sentences written for these tests; none comes from ner-dev.
YUKOS = "The owners of Russian oil giant Yukos met. Yukos said nothing."
BOLTON = "Premiership side Bolton have signed the striker. Bolton won at Everton on Sunday."


def _actor(text: str, name: str, kind: str, label: str) -> ResolvedActor:
    """An actor with every occurrence of `name` as a mention."""
    at, mentions = text.find(name), []
    while at >= 0:
        mentions.append(RawMention(at, at + len(name), name, label))
        at = text.find(name, at + 1)
    return ResolvedActor(name.lower(), name, kind, mentions)  # type: ignore[arg-type]


def _first(doc: Any, name: str) -> Any:
    start = doc.text.find(name)
    return doc.char_span(start, start + len(name))


@pytest.mark.parametrize(
    ("sentence", "name", "noun"),
    [
        (YUKOS, "Yukos", "giant"),
        (BOLTON, "Bolton", "side"),
        ("Telecoms group BT is to cut jobs.", "BT", "group"),
        ("The firm Jones runs has grown fast.", "Jones", None),
        ("Director Smith said the film was done.", "Smith", None),
        ("Smith founded it.", "Smith", None),
    ],
)
def test_descriptor(nlp: Any, sentence: str, name: str, noun: str | None) -> None:
    found = descriptors.descriptor(_first(nlp(sentence), name))
    assert (found.text if found is not None else None) == noun


def test_a_person_introduced_as_a_firm_becomes_an_organisation(nlp: Any) -> None:
    [(actor, _)] = descriptors.retype(
        nlp(YUKOS), [(_actor(YUKOS, "Yukos", "person", "PERSON"), NO_MATCH)]
    )
    assert (actor.type, actor.id, actor.name) == ("organisation", "yukos", "Yukos")


def test_a_place_introduced_as_a_side_becomes_an_organisation(nlp: Any) -> None:
    [(actor, _)] = descriptors.retype(
        nlp(BOLTON), [(_actor(BOLTON, "Bolton", "place", "GPE"), NO_MATCH)]
    )
    assert actor.type == "organisation"


def test_a_place_named_more_often_as_a_location_stays_a_place(nlp: Any) -> None:
    text = "Premiership side Bolton lost. Fans in Bolton were angry, and shops in Bolton shut."
    [(actor, _)] = descriptors.retype(
        nlp(text), [(_actor(text, "Bolton", "place", "GPE"), NO_MATCH)]
    )
    assert actor.type == "place"


def test_titled_persons_given_names_and_known_actors_stay(nlp: Any) -> None:
    titled = "Mr Yukos spoke. Russian oil giant Yukos said nothing."
    [(actor, _)] = descriptors.retype(
        nlp(titled), [(_actor(titled, "Yukos", "person", "PERSON"), NO_MATCH)]
    )
    assert actor.type == "person"
    named = "Online retailer Jeff Bezos said nothing."
    [(actor, _)] = descriptors.retype(
        nlp(named), [(_actor(named, "Jeff Bezos", "person", "PERSON"), NO_MATCH)]
    )
    assert actor.type == "person"
    known = Match(KnownActor(id="yukos", name="Yukos", type="person"), "alias", 100.0)
    [(actor, _)] = descriptors.retype(
        nlp(YUKOS), [(_actor(YUKOS, "Yukos", "person", "PERSON"), known)]
    )
    assert actor.type == "person"
