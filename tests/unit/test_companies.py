"""Companies the tagger took for persons: one-word names that stand where only a firm does."""

from __future__ import annotations

from typing import Any

import pytest

from wirewatch.core.analysis.entities import companies
from wirewatch.core.analysis.entities.actors import RawMention, ResolvedActor
from wirewatch.core.analysis.entities.aliases import NO_MATCH, KnownActor, Match

# Sentences written for these tests; none comes from ner-dev.
GAZPROM = (
    "Shares in Gazprom rose 5% on Monday. Gazprom chief executive Alexei Miller said "
    "Gazprom's profits would double this year."
)


def _person(text: str, name: str) -> ResolvedActor:
    """A person actor with every whole-word occurrence of `name` as a mention."""
    at, mentions = text.find(name), []
    while at >= 0:
        mentions.append(RawMention(at, at + len(name), name, "PERSON"))
        at = text.find(name, at + 1)
    return ResolvedActor(name.lower(), name, "person", mentions)


@pytest.mark.parametrize(
    ("sentence", "word", "expected"),
    [
        ("Gazprom's profits doubled.", "Gazprom", True),
        ("Ryanair customers complained.", "Ryanair", True),
        ("Investors bought shares in Yukos.", "Yukos", True),
        ("Lukoil made a bid for Sibneft.", "Sibneft", True),
        ("Yahoo will acquire Flickr.", "Flickr", True),
        ("The share price of Tesco fell.", "Tesco", False),
        ("Smith's staff were tired.", "Smith", False),
        ("Smith met Jones in London.", "Jones", False),
    ],
)
def test_company_role(nlp: Any, sentence: str, word: str, expected: bool) -> None:
    doc = nlp(sentence)
    token = next(t for t in doc if t.text == word)
    assert companies.company_role(token) is expected


def test_titles_and_who_mark_a_person(nlp: Any) -> None:
    text = "Mr Miller spoke. Later Miller, who leads it, left. Miller smiled."
    doc = nlp(text)
    found = [companies.person_role(doc, m.start, m.end) for m in _person(text, "Miller").mentions]
    assert found == [True, True, False]


def test_a_person_standing_where_a_company_does_becomes_an_organisation(nlp: Any) -> None:
    doc = nlp(GAZPROM)
    [(actor, _)] = companies.retype(doc, [(_person(GAZPROM, "Gazprom"), NO_MATCH)])
    assert (actor.type, actor.id, actor.name) == ("organisation", "gazprom", "Gazprom")


def test_a_titled_name_stays_a_person(nlp: Any) -> None:
    text = "Mr Murdoch sold his shares. Mr Murdoch said Murdoch's shares were worth more."
    doc = nlp(text)
    # One company mention against two titled ones.
    [(actor, _)] = companies.retype(doc, [(_person(text, "Murdoch"), NO_MATCH)])
    assert actor.type == "person"


def test_known_actors_and_full_names_are_never_retyped(nlp: Any) -> None:
    doc = nlp(GAZPROM)
    known = Match(KnownActor(id="gazprom", name="Gazprom", type="person"), "alias", 100.0)
    [(actor, _)] = companies.retype(doc, [(_person(GAZPROM, "Gazprom"), known)])
    assert actor.type == "person"
    text = "Roman Abramovich's shares rose, and Abramovich's profits too."
    doc = nlp(text)
    full = ResolvedActor(
        "roman-abramovich",
        "Roman Abramovich",
        "person",
        [
            RawMention(0, 16, "Roman Abramovich", "PERSON"),
            RawMention(36, 46, "Abramovich", "PERSON"),
        ],
    )
    [(actor, _)] = companies.retype(doc, [(full, NO_MATCH)])
    assert actor.type == "person"
