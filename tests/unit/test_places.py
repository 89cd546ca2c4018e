"""Place names the tagger takes for persons or organisations become places."""

from __future__ import annotations

import pytest

from wirewatch.core.analysis.entities import places
from wirewatch.core.analysis.entities.mentions import _label


@pytest.mark.parametrize(
    ("name", "tagged", "expected"),
    [
        ("Fort Lee", "PERSON", "LOC"),
        ("Mount Kenya", "PERSON", "LOC"),
        ("Cape Coast", "PERSON", "LOC"),
        ("Ross Sea", "PERSON", "LOC"),
        ("Ross Sea", "ORG", "LOC"),
        ("Isle of Man", "PERSON", "LOC"),
        ("Montmartre Cemetery", "PERSON", "FAC"),
        ("Diagon Alley", "PERSON", "FAC"),
        ("Orange County", "ORG", "LOC"),
        ("Cayman Islands", "ORG", "LOC"),
    ],
)
def test_names_with_a_place_kind_are_places(name: str, tagged: str, expected: str) -> None:
    assert places.label(name, tagged) == expected


@pytest.mark.parametrize(
    ("name", "tagged"),
    [
        ("Stuart Hall", "PERSON"),  # heads that are common surnames stay persons
        ("Shirley Temple", "PERSON"),
        ("Park", "PERSON"),  # one word: the kind alone is not a name
        ("Port Authority", "ORG"),  # organisations named after a place keep their head
        ("Fort Worth Police", "ORG"),
        ("Mount Sinai", "GPE"),  # places stay what the tagger said
        ("Kuala Lumpur Hotel", "ORG"),  # a facility ORG: the facility rule's, not this one's
    ],
)
def test_other_names_keep_their_label(name: str, tagged: str) -> None:
    assert places.label(name, tagged) == tagged


def test_a_given_name_does_not_make_a_place_a_person() -> None:
    assert _label("Alexander Springs", "GPE") == "GPE"
    assert _label("Alexander Springs", "GPE", place_heads=False) == "PERSON"
    assert _label("Fort Lee", "PERSON", place_heads=False) == "PERSON"
    assert _label("Fort Lee", "PERSON") == "LOC"
