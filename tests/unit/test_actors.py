"""In-article actor resolution: cleaned offsets, surnames, acronyms, type voting."""

from __future__ import annotations

import pytest

from wirewatch.core.analysis.entities.actors import (
    RawMention,
    _looks_like_a_name,
    clean_span,
    middle_name_joins,
    name_key,
    resolve,
)


def _m(text: str, start: int, label: str) -> RawMention:
    return RawMention(start, start + len(text), text, label)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Field Marshal Haftar", "Haftar"),
        ("President Erdogan", "Erdogan"),
        ("Haftar’s", "Haftar"),
        ("“Haftar”", "Haftar"),
        ("the GNA", "GNA"),
        ("The Church of Scientology", "Church of Scientology"),
        ("The Hague", "The Hague"),
        ("Tripoli", "Tripoli"),
        ("World Health Organisation (WHO", "World Health Organisation"),
        ("Government of National Accord (GNA)", "Government of National Accord"),
        ("Arsenal 1-1", "Arsenal"),
        ("Leeds 24 - 10", "Leeds"),
        ("Apollo 11", "Apollo 11"),
        ("Channel 4", "Channel 4"),
    ],
)
def test_clean_span(text: str, expected: str) -> None:
    span = clean_span(text, 0, len(text))
    assert span is not None
    assert text[span[0] : span[1]] == expected


def test_clean_span_rejects_no_letters() -> None:
    assert clean_span("“”", 0, 2) is None


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("pro-Beijing", False),
        ("disco club", False),
        ("al-Sarraj", True),
        ("von der Leyen", True),
        ("de Gaulle", True),
        ("Haftar", True),
        ("9/11 Commission", True),
    ],
)
def test_lower_case_spans_are_not_names_unless_a_particle(name: str, kept: bool) -> None:
    assert _looks_like_a_name(name) is kept


def test_name_key_folds_accents_case_and_hyphens() -> None:
    assert name_key("Al-Sarraj") == name_key("al Sarraj") == ("al", "sarraj")
    assert name_key("Erdoğan") == ("erdogan",)


def test_surname_joins_full_name_and_person_wins_the_vote() -> None:
    actors = resolve(
        [
            _m("Khalifa Haftar", 0, "PERSON"),
            _m("Haftar", 20, "ORG"),
            _m("Haftar", 40, "ORG"),
            _m("Haftar", 60, "PERSON"),
        ]
    )
    [haftar] = actors
    assert haftar.name == "Khalifa Haftar"
    assert haftar.type == "person"
    assert len(haftar.mentions) == 4
    assert haftar.surface_forms == ["Khalifa Haftar", "Haftar"]


def test_acronym_joins_its_expansion() -> None:
    actors = resolve([_m("Government of National Accord", 0, "ORG"), _m("GNA", 40, "ORG")])
    assert [(a.name, a.type, len(a.mentions)) for a in actors] == [
        ("Government of National Accord", "organisation", 2)
    ]


def test_ambiguous_surname_stays_apart() -> None:
    actors = resolve(
        [
            _m("John Smith", 0, "PERSON"),
            _m("Jane Smith", 20, "PERSON"),
            _m("Smith", 40, "PERSON"),
        ]
    )
    assert sorted(a.name for a in actors) == ["Jane Smith", "John Smith", "Smith"]


def test_a_place_is_not_taken_for_a_surname() -> None:
    actors = resolve([_m("George Washington", 0, "PERSON"), _m("Washington", 30, "GPE")])
    assert {(a.name, a.type) for a in actors} == {
        ("George Washington", "person"),
        ("Washington", "place"),
    }


def test_actors_are_ordered_by_first_mention() -> None:
    actors = resolve([_m("Turkey", 50, "GPE"), _m("Libya", 10, "GPE"), _m("Turkey", 5, "GPE")])
    assert [a.name for a in actors] == ["Turkey", "Libya"]
    assert [m.start for m in actors[0].mentions] == [5, 50]


def test_spelling_variants_of_a_person_are_one_actor() -> None:
    mentions = [
        _m("Kristin Wilkins", 0, "PERSON"),
        _m("Kristen Wilkins", 40, "PERSON"),
        _m("Kristen Wilkins", 80, "PERSON"),
        _m("Wilkins", 120, "ORG"),
        _m("Wilkins", 140, "ORG"),
        _m("Wilkins", 160, "ORG"),
        _m("Wilkins", 180, "ORG"),
    ]
    (actor,) = resolve(mentions)
    # The surname joins the one person; the tagger's ORG for it was a mistake.
    assert actor.name == "Kristen Wilkins"
    assert actor.type == "person"
    assert len(actor.mentions) == 7


def test_given_names_further_apart_stay_apart() -> None:
    for a, b in (("Maria", "Mario"), ("Eric", "Erica"), ("Jon", "Jan")):
        actors = resolve([_m(f"{a} Lopez", 0, "PERSON"), _m(f"{b} Lopez", 30, "PERSON")])
        assert len(actors) == 2, (a, b)  # may be two people: siblings, spouses


def test_a_name_without_its_middle_name_joins_the_full_name() -> None:
    mentions = [
        _m("Joshua Abraham Norton", 0, "PERSON"),
        _m("Joshua Norton", 40, "PERSON"),
        _m("Norton", 80, "ORG"),
        _m("Norton", 100, "ORG"),
    ]
    (actor,) = resolve(mentions)
    # Without the join the surname fits two names, stays apart and keeps the tagger's ORG.
    assert actor.name == "Joshua Abraham Norton"
    assert actor.type == "person"
    assert {m.label for m in actor.mentions} == {"PERSON"}


def test_a_short_name_that_fits_two_middle_names_stays_apart() -> None:
    mentions = [
        _m("John F. Smith", 0, "PERSON"),
        _m("John T. Smith", 30, "PERSON"),
        _m("John Smith", 60, "PERSON"),
    ]
    assert len(resolve(mentions)) == 3


def test_names_of_three_words_are_never_joined_by_their_ends() -> None:
    # Two presidents: the father and the son.
    actors = resolve([_m("George H. W. Bush", 0, "PERSON"), _m("George W. Bush", 30, "PERSON")])
    assert [a.name for a in actors] == ["George H. W. Bush", "George W. Bush"]


def test_a_place_is_not_joined_to_a_person_by_its_ends() -> None:
    actors = resolve([_m("Santa Maria Cruz", 0, "PERSON"), _m("Santa Cruz", 30, "GPE")])
    assert len(actors) == 2


def test_the_joins_are_listed_for_their_reading_check() -> None:
    mentions = [
        _m("Eugene A. Nida", 0, "PERSON"),
        _m("Eugene Nida", 30, "PERSON"),
        _m("John Smith", 60, "PERSON"),
    ]
    assert middle_name_joins(mentions) == [("Eugene Nida", "Eugene A. Nida")]
