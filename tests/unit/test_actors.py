"""In-article actor resolution: cleaned offsets, surnames, acronyms, type voting."""

from __future__ import annotations

import pytest

from services.core.analysis.actors import (
    RawMention,
    _looks_like_a_name,
    clean_span,
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


def _nlp() -> object:
    from services.core.analysis import nlp

    return nlp.load()


def _names(text: str) -> list[tuple[str, str]]:
    from services.core.analysis.actors import mentions_from

    doc = _nlp()(text)  # type: ignore[operator]
    return [(m.text, m.label) for m in mentions_from(doc)]


def test_propagate_tags_the_names_the_tagger_missed() -> None:
    from services.core.analysis.actors import propagate

    text = "Investigators met Maria Montalvo on Monday. Later, Montalvo left. Montalvo Street."
    found = [_m("Maria Montalvo", 18, "PERSON")]
    doc = _nlp()(text)  # type: ignore[operator]
    extra = propagate(doc, found)
    # The bare surname is a mention; inside the longer name "Montalvo Street" it is not.
    assert [(m.text, m.start, m.label) for m in extra] == [("Montalvo", 51, "PERSON")]


def test_propagate_skips_what_is_already_tagged() -> None:
    from services.core.analysis.actors import propagate

    text = "Reuters said so. Reuters agreed, and Reuters left."
    doc = _nlp()(text)  # type: ignore[operator]
    found = [_m("Reuters", 0, "ORG"), _m("Reuters", 17, "ORG")]
    assert [m.start for m in propagate(doc, found)] == [37]


def test_places_are_not_propagated() -> None:
    from services.core.analysis.actors import propagate

    # Places are the tagger's strong suit; spreading its rarer place errors costs more.
    text = "Paris said so. Then Paris agreed."
    doc = _nlp()(text)  # type: ignore[operator]
    assert propagate(doc, [_m("Paris", 0, "GPE")]) == []
    assert [m.text for m in propagate(doc, [_m("Paris", 0, "PERSON")])] == ["Paris"]


def test_expansion_tags_the_name_and_its_acronym() -> None:
    from services.core.analysis.actors import expansions

    text = "He leads the Government of National Accord (GNA) in Tripoli."
    found = expansions(text, [_m("Tripoli", 52, "GPE")])
    assert [(m.text, m.label) for m in found] == [
        ("Government of National Accord", "ORG"),
        ("GNA", "ORG"),
    ]
    # Initials that do not spell the bracket are no expansion.
    assert expansions("The Big Apple (NYC) shone.", []) == []


def test_facility_names_are_places() -> None:
    from services.core.analysis.actors import _label

    assert _label("Johnson Space Center", "ORG") == "FAC"
    assert _label("Museum of Flight", "ORG") == "FAC"  # the head comes before "of"
    assert _label("Church of Scientology", "ORG") == "ORG"  # a church is mostly its people
    assert _label("Space Center Inc", "ORG") == "ORG"
    assert _label("Bridge", "PERSON") == "PERSON"


def test_a_name_does_not_cross_a_line_break() -> None:
    # The small model tags "Ahmed Mohamed\nImage" (a photo caption) as one person.
    assert _names("Ahmed Mohamed\nImage of the day") == [("Ahmed Mohamed", "PERSON")]
