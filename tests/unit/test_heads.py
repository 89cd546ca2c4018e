"""Names whose head is an organisation's kind ("X Party", "X Herald") become organisations."""

from __future__ import annotations

from typing import Any

import pytest

from wirewatch.core.analysis.entities import heads
from wirewatch.core.analysis.entities.actors import RawMention
from wirewatch.core.analysis.entities.mentions import mentions_from

# Sentences written for these tests; none comes from ner-dev.


@pytest.mark.parametrize(
    ("name", "head"),
    [
        ("Ministry of Defence", "ministry"),
        ("Green Valley Party's", "party"),
        ("Coastal Herald", "herald"),
        ("Bank of the West", "bank"),
    ],
)
def test_the_head_is_the_last_word_or_the_one_before_of(name: str, head: str) -> None:
    assert heads.head_of(name) == head


@pytest.mark.parametrize(
    ("name", "tagged", "label"),
    [
        ("Edmonton Herald", "PERSON", "ORG"),
        ("Riverside Gazette", "GPE", "ORG"),
        ("Northern Fisheries Ministry", "LOC", "ORG"),
        ("West Bank", "GPE", "GPE"),  # bank is left out: the name of a place
        ("Soviet Union", "GPE", "GPE"),
        ("Herald", "PERSON", "PERSON"),  # one word: a surname as likely as a paper
        ("Riverside Gazette", "FAC", "FAC"),  # facilities keep their type
        ("Annie Smith", "PERSON", "PERSON"),
    ],
)
def test_person_and_place_names_with_an_organisations_head_are_retyped(
    name: str, tagged: str, label: str
) -> None:
    assert heads.label(name, tagged) == label


def _recovered(nlp: Any, text: str, found: list[RawMention] | None = None) -> list[str]:
    doc = nlp(text)
    kept = heads.recover(doc, found or [])
    return [m.text for m in kept if m.label == "ORG"]


def test_an_untagged_name_ending_in_a_head_is_an_organisation(nlp: Any) -> None:
    text = "The report was published by the Valley Farmers Association on Monday."
    assert _recovered(nlp, text) == ["Valley Farmers Association"]


def test_a_sentence_first_common_word_and_the_are_cut(nlp: Any) -> None:
    assert _recovered(nlp, "Yesterday Police said nothing.") == []
    assert _recovered(nlp, "The Riverside Gazette said nothing.") == ["Riverside Gazette"]


def test_of_and_its_capitalised_words_belong_to_the_name(nlp: Any) -> None:
    text = "A spokesman for the Ministry of Coastal Affairs declined to comment."
    assert _recovered(nlp, text) == ["Ministry of Coastal Affairs"]


def test_a_group_mention_inside_gives_way_and_a_person_blocks(nlp: Any) -> None:
    text = "Officials of the Saudi Fisheries Ministry met Annie Party yesterday."
    saudi = text.index("Saudi")
    annie = text.index("Annie")
    found = [
        RawMention(saudi, saudi + 5, "Saudi", "NORP"),
        RawMention(annie, annie + 11, "Annie Party", "PERSON"),
    ]
    kept = heads.recover(nlp(text), found)
    assert [(m.text, m.label) for m in kept] == [
        ("Annie Party", "PERSON"),
        ("Saudi Fisheries Ministry", "ORG"),
    ]


def test_a_verb_inside_is_not_a_name(nlp: Any) -> None:
    # A headline in title case: "Approve" is a verb, so this is not one name.
    assert _recovered(nlp, "Senators Approve New Party") == []


def test_mentions_without_the_rule_are_the_tagger_s(nlp: Any) -> None:
    text = "The Deseret News observed that the hashtag spread quickly."
    doc = nlp(text)
    with_rule = {(m.text, m.label) for m in mentions_from(doc)}
    without = {(m.text, m.label) for m in mentions_from(doc, org_heads=False)}
    assert ("Deseret News", "ORG") in with_rule
    assert ("Deseret News", "ORG") not in without
