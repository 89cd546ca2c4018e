"""The alias table: normalisation, aliases and transliterations, fuzzy matches that merge,
near misses that must not, user tables, and merging in-article actors the table unites."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from wirewatch.core.analysis.entities.actors import RawMention, ResolvedActor
from wirewatch.core.analysis.entities.aliases import AliasTable, KnownActor, alias_key, canonicalise
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import validate


@pytest.fixture(scope="module")
def table() -> AliasTable:
    return AliasTable.load()


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Fayez Al-Sarraj", "fayez sarraj"),
        ("fayez al sarraj", "fayez sarraj"),
        ("Abdel Fattah el-Sisi", "abdel fattah sisi"),
        ("The Government of National Accord", "government of national accord"),
        ("Türkiye", "turkiye"),
        ("Recep Tayyip Erdoğan", "recep tayyip erdogan"),
        ("U.S.", "u s"),
    ],
)
def test_normalise(name: str, key: str) -> None:
    assert alias_key(name) == key


@pytest.mark.parametrize(
    ("name", "type_", "actor_id"),
    [
        ("Hifter", "person", "khalifa-haftar"),  # transliteration variant
        ("Khalifa Hafter", "person", "khalifa-haftar"),
        ("Field Marshal Haftar", "person", "khalifa-haftar"),
        ("Fayez al-Serraj", "person", "fayez-al-sarraj"),
        ("GNA", "organisation", "government-of-national-accord"),
        ("Türkiye", "place", "turkey"),
        ("Gadhafi", "person", "muammar-gaddafi"),
        ("U.S.", "place", "united-states"),
    ],
)
def test_aliases_and_transliterations(
    table: AliasTable, name: str, type_: str, actor_id: str
) -> None:
    match = table.lookup([name], type_)  # type: ignore[arg-type]
    assert match.actor is not None
    assert (match.actor.id, match.how) == (actor_id, "alias")


@pytest.mark.parametrize(
    ("name", "type_", "actor_id"),
    [
        ("Vladimir Putn", "person", "vladimir-putin"),
        ("Emanuel Macron", "person", "emmanuel-macron"),
        ("Fayez Sarrajj", "person", "fayez-al-sarraj"),
        ("Nigerria", "place", "nigeria"),
    ],
)
def test_close_misspellings_merge(table: AliasTable, name: str, type_: str, actor_id: str) -> None:
    match = table.lookup([name], type_)  # type: ignore[arg-type]
    assert match.actor is not None
    assert (match.actor.id, match.how) == (actor_id, "fuzzy")
    assert match.score >= 92


def test_a_near_miss_is_reported_not_merged(table: AliasTable) -> None:
    match = table.lookup(["Khalid Haftar"], "person")
    assert match.actor is None
    assert [(c.actor.id, c.score) for c in match.candidates] == [("khalifa-haftar", 88.9)]


@pytest.mark.parametrize(
    ("name", "type_"),
    [
        ("Jill Biden", "person"),  # another person of the same family
        ("Austrian", "group"),  # a group is no place
        ("Nigel", "person"),
        ("Turkey Creek", "place"),  # more words: another place
        ("GNB", "organisation"),  # acronyms never match fuzzily
    ],
)
def test_unrelated_names_do_not_merge(table: AliasTable, name: str, type_: str) -> None:
    assert table.lookup([name], type_).actor is None  # type: ignore[arg-type]


def test_niger_and_nigeria_stay_apart(table: AliasTable) -> None:
    niger, nigeria = table.lookup(["Niger"], "place"), table.lookup(["Nigeria"], "place")
    assert niger.actor is not None
    assert nigeria.actor is not None
    assert (niger.actor.id, nigeria.actor.id) == ("niger", "nigeria")


def test_a_type_conflict_blocks_a_fuzzy_merge(table: AliasTable) -> None:
    assert table.lookup(["Vladimir Putn"], "place").actor is None


def test_user_tables_extend_and_override(tmp_path: Path) -> None:
    extra = tmp_path / "actors.yaml"
    extra.write_text(
        "actors:\n"
        "  - {id: khalifa-haftar, name: Khalifa Belqasim Haftar, type: person,"
        " aliases: [Haftar, Hifter], wikidata: Q1}\n"
        "  - {id: acme, name: Acme Corporation, type: organisation, aliases: [Acme]}\n"
    )
    table = AliasTable.load([extra])
    haftar = table.lookup(["Hifter"], "person").actor
    acme = table.lookup(["ACME"], "organisation").actor
    assert haftar is not None
    assert (haftar.name, haftar.wikidata) == ("Khalifa Belqasim Haftar", "Q1")
    assert acme is not None
    assert acme.id == "acme"
    assert len(table) == len(AliasTable.load()) + 1


def test_a_bad_table_is_refused_with_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("actors:\n  - {id: Bad Id, name: X, type: person}\n")
    with pytest.raises(ValidationError, match="id"):
        AliasTable.load([bad])


def _actor(name: str, start: int, label: str = "PERSON") -> ResolvedActor:
    mention = RawMention(start, start + len(name), name, label)
    return ResolvedActor(name.lower().replace(" ", "-"), name, mention.type, [mention])


def test_actors_the_table_unites_become_one() -> None:
    table = AliasTable(
        [KnownActor(id="haftar", name="Khalifa Haftar", type="person", aliases=("Hifter",))]
    )
    merged = canonicalise(
        [_actor("Khalifa Haftar", 0), _actor("Zed Other", 20), _actor("Hifter", 40)], table
    )
    assert [(a.id, a.name, len(a.mentions)) for a, _ in merged] == [
        ("haftar", "Khalifa Haftar", 2),
        ("zed-other", "Zed Other", 1),
    ]
    assert [m.start for m in merged[0][0].mentions] == [0, 40]
    assert merged[1][1].actor is None


def test_enriched_actors_report_candidates(analyzer: Analyzer) -> None:
    text = "Khalid Haftar met reporters in Benghazi on Monday. Khalid Haftar said little."
    [result] = analyzer.analyze(validate([{"text": text}]))
    [khalid] = [a for a in result.enriched.actors if a.type == "person"]
    assert (khalid.id, khalid.match) == ("khalid-haftar", "article")
    assert [(c.id, c.name) for c in khalid.candidates] == [("khalifa-haftar", "Khalifa Haftar")]


def test_a_party_the_tagger_took_for_a_person_is_the_party(analyzer: Analyzer) -> None:
    text = "Mr Howard said the Tories would cut taxes; Labour and the Lib Dems disagreed."
    [result] = analyzer.analyze(validate([{"title": "Budget row", "text": text}]))
    actors = {a.name: (a.type, a.id) for a in result.enriched.actors}
    assert actors["Labour Party"] == ("organisation", "labour-party-uk")
    assert actors["Liberal Democrats"] == ("organisation", "liberal-democrats-uk")
    # Members are not the party: "Tories" stays the tagger's group.
    assert "Conservative Party" not in actors
