"""Teams in sports reports: place names that play as sides become organisations."""

from __future__ import annotations

from typing import Any

import pytest

from wirewatch.core.analysis.entities import actors as actor_mod
from wirewatch.core.analysis.entities import aliases, teams
from wirewatch.core.analysis.entities.mentions import mentions_from

# Sentences written for these tests; none comes from ner-dev.
RUGBY = (
    "England beat Wales 24-10 in the Six Nations rugby match at Twickenham on Saturday. "
    "The England coach praised his squad, and Wales will face Ireland in Dublin next week. "
    "The referee showed two yellow cards."
)
FOOTBALL = (
    "France lost to Italy in the World Cup final in Berlin. Italy's goalkeeper saved a "
    "penalty, and the striker scored for Italy in the tournament. Fans in Rome celebrated."
)
POLITICS = (
    "The government of France imposed sanctions on Iran. France said the talks in Geneva "
    "had failed."
)


def _actors(nlp: Any, text: str) -> dict[str, tuple[str, str]]:
    doc = nlp(text)
    table = aliases.AliasTable.load()
    resolved = teams.retype(doc, aliases.canonicalise(actor_mod.resolve(mentions_from(doc)), table))
    return {a.name: (a.type, a.id) for a, _ in resolved}


def test_a_sports_report_needs_three_sport_terms_or_a_scoreline_and_two(nlp: Any) -> None:
    assert teams.is_sports_report(nlp(RUGBY))
    assert teams.is_sports_report(nlp(FOOTBALL))
    assert not teams.is_sports_report(nlp(POLITICS))
    # Two terms alone are not enough; with a scoreline they are.
    assert not teams.is_sports_report(nlp("The coach of the league spoke in Paris."))
    assert teams.is_sports_report(nlp("The coach of the league saw a 3-1 win in Paris."))


def test_a_date_or_a_ratio_is_not_a_scoreline() -> None:
    assert teams._SCORELINE.search("won 24-10 on Saturday")
    assert not teams._SCORELINE.search("on 2006-05-12")
    assert not teams._SCORELINE.search("between 1990-2000")


def test_sides_in_a_contest_become_teams_and_venues_stay_places(nlp: Any) -> None:
    found = _actors(nlp, RUGBY)
    assert found["England"] == ("organisation", "england-team")
    assert found["Ireland"] == ("organisation", "ireland-team")
    assert found["Dublin"][0] == "place"
    found = _actors(nlp, FOOTBALL)
    assert found["France"] == ("organisation", "france-team")
    assert found["Italy"] == ("organisation", "italy-team")
    assert found["Berlin"][0] == "place"
    assert found["Rome"][0] == "place"


def test_outside_sport_a_country_stays_the_country(nlp: Any) -> None:
    found = _actors(nlp, POLITICS)
    assert found["France"] == ("place", "france")
    assert found["Iran"][0] == "place"


def test_a_place_named_more_often_as_a_location_stays_a_place(nlp: Any) -> None:
    text = (
        "Brazil beat the hosts in the football tournament. The match was played in Brazil, "
        "the league's fans gathered in Brazil, and the referee lives in Brazil."
    )
    doc = nlp(text)
    table = aliases.AliasTable.load()
    resolved = aliases.canonicalise(actor_mod.resolve(mentions_from(doc)), table)
    brazil = next(a for a, _ in resolved if a.name == "Brazil")
    assert teams._roles(doc, brazil) == (1, 3)
    assert _actors(nlp, text)["Brazil"][0] == "place"


@pytest.mark.parametrize(
    ("sentence", "word", "expected"),
    [
        ("Spain drew with Portugal in the league match.", "Portugal", "team"),
        ("The striker played against Norway in the cup.", "Norway", "team"),
        ("Germany's goalkeeper was injured.", "Germany", "team"),
        ("The tournament was held in Qatar.", "Qatar", "place"),
        ("The minister flew to Japan.", "Japan", None),
    ],
)
def test_the_role_of_a_place_name(nlp: Any, sentence: str, word: str, expected: str) -> None:
    doc = nlp(sentence)
    token = next(t for t in doc if t.text == word)
    assert teams.role(token) == expected


def test_a_facility_is_never_retyped(nlp: Any) -> None:
    # A stadium is where the game is played: spaCy's FAC keeps it out of the rule.
    doc = nlp(RUGBY)
    mention = actor_mod.RawMention(0, 7, "England", "FAC")
    actor = actor_mod.ResolvedActor("england", "England", "place", [mention])
    out = teams.retype(doc, [(actor, aliases.NO_MATCH)])
    assert out[0][0].type == "place"


def test_a_mention_the_tagger_took_for_a_person_does_not_stop_the_team(nlp: Any) -> None:
    doc = nlp(RUGBY)
    mentions = [
        actor_mod.RawMention(0, 7, "England", "PERSON"),
        actor_mod.RawMention(87, 94, "England", "GPE"),
    ]
    actor = actor_mod.ResolvedActor("england", "England", "place", mentions)
    out = teams.retype(doc, [(actor, aliases.NO_MATCH)])
    assert (out[0][0].type, out[0][0].id) == ("organisation", "england-team")
