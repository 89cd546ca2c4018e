"""Places named as states acting ("Russia said", "Russia warned") become organisations."""

from __future__ import annotations

from typing import Any

import pytest

from wirewatch.core.analysis.entities import states
from wirewatch.core.analysis.entities.actors import RawMention, ResolvedActor
from wirewatch.core.analysis.entities.aliases import NO_MATCH, KnownActor, Match

# Sentences written for these tests; none comes from ner-dev.
ACTING = (
    "Russia said on Monday it would not accept the deployment. "
    "Russia also warned that it would recall its ambassador. Talks will be held in Georgia."
)


def _actor(text: str, name: str, label: str = "GPE") -> ResolvedActor:
    """A place with every occurrence of `name` as a mention."""
    at, mentions = text.find(name), []
    while at >= 0:
        mentions.append(RawMention(at, at + len(name), name, label))
        at = text.find(name, at + 1)
    return ResolvedActor(name.lower(), name, "place", mentions)


def _first(doc: Any, name: str) -> Any:
    start = doc.text.find(name)
    return doc.char_span(start, start + len(name))


@pytest.mark.parametrize(
    ("sentence", "name", "agent"),
    [
        ("Russia said the talks had failed.", "Russia", True),
        ("Iran has rejected the offer.", "Iran", True),
        ("Russia is the largest country.", "Russia", False),
        ("Russia has a population of 140 million.", "Russia", False),
        ("The offer was rejected by Iran.", "Iran", False),
        ("Talks will be held in Russia.", "Russia", False),
    ],
)
def test_agent(nlp: Any, sentence: str, name: str, agent: bool) -> None:
    assert states.is_agent(_first(nlp(sentence), name).root) is agent


def test_a_place_acting_twice_becomes_an_organisation_with_its_id(nlp: Any) -> None:
    known = Match(KnownActor(id="russia", name="Russia", type="place"), "alias", 100.0)
    got = states.retype(
        nlp(ACTING), [(_actor(ACTING, "Russia"), known), (_actor(ACTING, "Georgia"), NO_MATCH)]
    )
    assert [(a.id, a.type) for a, _ in got] == [("russia", "organisation"), ("georgia", "place")]
    assert got[0][1] is known


def test_acting_once_or_mostly_a_location_stays_a_place(nlp: Any) -> None:
    once = "Russia said it would wait. Snow fell across Russia."
    [(actor, _)] = states.retype(nlp(once), [(_actor(once, "Russia"), NO_MATCH)])
    assert actor.type == "place"
    located = (
        "Russia said no. Russia warned them. Prices rose in Russia, at Russia's ports "
        "and in Russia's north, and fell in Russia."
    )
    [(actor, _)] = states.retype(nlp(located), [(_actor(located, "Russia"), NO_MATCH)])
    assert actor.type == "place"


def test_a_region_stays_a_place(nlp: Any) -> None:
    region = "Darfur said nothing. Darfur warned nobody."
    [(actor, _)] = states.retype(nlp(region), [(_actor(region, "Darfur", "LOC"), NO_MATCH)])
    assert actor.type == "place"
