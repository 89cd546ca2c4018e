"""The rule language, construct by construct, on small texts analysed by the real pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wirewatch.core.analysis import rules
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import validate


@pytest.fixture(scope="module")
def nlp(analyzer: Analyzer) -> Any:
    return analyzer.nlp


def _doc(analyzer: Analyzer, text: str, title: str = "", **extra: Any) -> rules.MatchDoc:
    [article] = validate([{"text": text, "title": title or None, **extra}])
    return analyzer.analyze([article])[0].doc


def _rule(nlp: Any, body: str, extra: str = "") -> rules.Rule:
    source = f"{extra}\nrules:\n  - id: r\n    name: R\n    severity: high\n{body}"
    return rules.parse(source, nlp).rules[0]


def _fires(analyzer: Analyzer, body: str, text: str, title: str = "", extra: str = "") -> bool:
    return _rule(analyzer.nlp, body, extra).evaluate(_doc(analyzer, text, title)).ok


def test_terms_match_on_lemma_with_offsets_and_sentence(analyzer: Analyzer) -> None:
    text = "Dozens of rockets fell. Mercenaries were seen."
    outcome = _rule(analyzer.nlp, "    terms: [rocket, mercenary]\n").evaluate(_doc(analyzer, text))
    found = [(h.match.term, h.match.text, text[h.match.start : h.match.end]) for h in outcome.hits]
    assert found == [("rocket", "rockets", "rockets"), ("mercenary", "Mercenaries", "Mercenaries")]
    assert outcome.hits[0].match.sentence is not None
    assert outcome.hits[0].match.sentence.text == "Dozens of rockets fell."


def test_phrase_matches_only_in_sequence(analyzer: Analyzer) -> None:
    body = '    terms: ["air strike"]\n'
    assert _fires(analyzer, body, "An air strike hit the base.")
    assert not _fires(analyzer, body, "Strike the air.")


def test_wildcard_matches_word_beginnings(analyzer: Analyzer) -> None:
    body = '    match: "mercenar*"\n'
    assert _fires(analyzer, body, "Foreign mercenaries arrived.")
    assert _fires(analyzer, body, "A mercenary group.")
    assert not _fires(analyzer, body, "The merchants arrived.")


def test_any_all_none_nest(analyzer: Analyzer) -> None:
    body = """    match:
      all:
        - any: [rocket, shelling]
        - none: [exercise, drill]
"""
    assert _fires(analyzer, body, "Shelling resumed near the port.")
    assert not _fires(analyzer, body, "Rockets were fired during a military exercise.")
    assert not _fires(analyzer, body, "The port was quiet.")


@pytest.mark.parametrize(
    ("count", "text", "fires"),
    [
        ("distinct", "A rocket hit. Another rocket hit.", False),  # 2 < 3
        ("occurrences", "A rocket hit. Another rocket hit.", True),  # 2 + 2 >= 3
        ("distinct", "A rocket hit during the attack.", True),  # 2 + 1 >= 3
    ],
)
def test_weighted_terms_reach_the_threshold(
    analyzer: Analyzer, count: str, text: str, fires: bool
) -> None:
    body = f"""    match:
      weighted:
        terms: {{rocket: 2, attack: 1, ceasefire: 0.5}}
        threshold: 3
        count: {count}
"""
    assert _fires(analyzer, body, text) is fires


def test_proximity_in_words_and_in_sentence(analyzer: Analyzer) -> None:
    near = "    match: {near: [rocket, hospital], within: 3}\n"
    sentence = "    match: {near: [rocket, hospital], sentence: true}\n"
    close = "A rocket struck the hospital."
    far = "A rocket landed far away from the town, several kilometres from any hospital."
    apart = "A rocket landed. The hospital was fine."
    assert _fires(analyzer, near, close)
    assert not _fires(analyzer, near, far)
    assert _fires(analyzer, sentence, far)
    assert not _fires(analyzer, sentence, apart)


def test_exact_form_does_not_match_other_forms_of_the_lemma(analyzer: Analyzer) -> None:
    exact, lemma = '    match: "=sanctions"\n', "    match: sanctions\n"
    approved = "The race was not an officially sanctioned record."
    assert _fires(analyzer, lemma, approved)  # "sanctioned" has the lemma "sanction"
    assert not _fires(analyzer, exact, approved)
    assert _fires(analyzer, exact, "The EU imposed new sanctions on Iran.")


def test_a_common_word_does_not_match_inside_a_name(analyzer: Analyzer) -> None:
    body = "    match: shell\n"
    assert not _fires(analyzer, body, "Royal Dutch Shell reported higher profits on Tuesday.")
    assert _fires(analyzer, body, "A tank shell landed near the market on Tuesday.")
    # A term written with capitals names something, and matches the name.
    assert _fires(analyzer, "    match: Shell\n", "Royal Dutch Shell reported higher profits.")


def test_near_needs_two_words_not_one_matching_both_sides(analyzer: Analyzer) -> None:
    body = '    match: {near: [["bomb*"], [bomb, gun]], sentence: true}\n'
    assert not _fires(analyzer, body, "A bomb was found at the station.")
    assert _fires(analyzer, body, "A bomb and a gun were found at the station.")


def test_actor_by_name_alias_and_type(analyzer: Analyzer) -> None:
    text = "Barack Obama met Angela Merkel in Berlin."
    assert _fires(analyzer, '    match: {actor: {name: "Barack Obama"}}\n', text)
    aliases = "    match: {actor: {names: [Barack Obama, Obama]}}\n"
    assert _fires(analyzer, aliases, "Obama met Merkel in Berlin.")
    assert _fires(analyzer, "    match: {actor: {type: place}}\n", text)
    assert not _fires(analyzer, '    match: {actor: {name: "Vladimir Putin"}}\n', text)


def test_actor_from_a_watchlist_inline_and_file(analyzer: Analyzer, tmp_path: Path) -> None:
    text = "Barack Obama met Angela Merkel in Berlin."
    inline = "watchlists:\n  leaders: [Angela Merkel, {name: Vladimir Putin, aliases: [Putin]}]"
    assert _fires(analyzer, "    match: {actor: {watchlist: leaders}}\n", text, extra=inline)
    (tmp_path / "leaders.txt").write_text(
        "# name|alias\nVladimir Putin|Putin\nBarack Obama|Obama\n"
    )
    source = (
        "watchlists:\n  leaders: leaders.txt\nrules:\n  - id: r\n    name: R\n    severity: low\n"
        "    match: {actor: {watchlist: leaders}}\n"
    )
    ruleset = rules.parse(source, analyzer.nlp, tmp_path)
    assert ruleset.rules[0].evaluate(_doc(analyzer, text)).ok


def test_actor_role_same_sentence_as_the_terms(analyzer: Analyzer) -> None:
    body = """    match:
      all:
        - attack
        - actor: {name: Turkey, role: same_sentence}
"""
    assert _fires(analyzer, body, "Turkey condemned the attack.")
    assert not _fires(analyzer, body, "Turkey held talks. Later an attack hit the border.")


def test_sentiment_toward_an_actor(analyzer: Analyzer) -> None:
    text = "Acme Corp committed horrible crimes and terrible fraud."
    below = '    match: {actor: {name: "Acme Corp", sentiment: {below: -0.2}}}\n'
    above = '    match: {actor: {name: "Acme Corp", sentiment: {above: 0.2}}}\n'
    assert _fires(analyzer, below, text)
    assert not _fires(analyzer, above, text)


def test_scope_title_lead_and_text(analyzer: Analyzer) -> None:
    text = "Talks opened in Geneva. Delegates met. Later, a rocket fell nearby."
    title = "Rocket fire shadows talks"
    assert _fires(analyzer, "    scope: title\n    terms: [rocket]\n", text, title)
    assert not _fires(analyzer, "    scope: title\n    terms: [delegate]\n", text, title)
    assert not _fires(
        analyzer, "    scope: lead\n    lead_sentences: 2\n    terms: [rocket]\n", text
    )
    assert _fires(analyzer, "    scope: lead\n    lead_sentences: 3\n    terms: [rocket]\n", text)
    assert not _fires(analyzer, "    scope: text\n    terms: [shadow]\n", text, title)


def test_source_and_language_filters(analyzer: Analyzer) -> None:
    rule = _rule(analyzer.nlp, "    sources: [wire]\n    languages: [en]\n    terms: [rocket]\n")
    assert rule.evaluate(_doc(analyzer, "A rocket fell.", source="wire")).ok
    assert not rule.evaluate(_doc(analyzer, "A rocket fell.", source="blog")).ok


def test_the_sample_article_rule_with_spans(
    analyzer: Analyzer, sample_article: dict[str, Any]
) -> None:
    rule = _rule(
        analyzer.nlp,
        """    match:
      all:
        - actor: {name: Khalifa Haftar, sentiment: {below: -0.2}}
        - any: ["rocket*", attack, "mercenar*"]
""",
    )
    [article] = validate([sample_article])
    outcome = rule.evaluate(analyzer.analyze([article])[0].doc)
    assert outcome.ok
    text = article.text
    terms = {(h.match.term, text[h.match.start : h.match.end]) for h in outcome.hits}
    assert {("rocket*", "rockets"), ("attack", "attack"), ("mercenar*", "mercenaries")} <= terms
    assert ("actor:khalifa-haftar", "Haftar") in terms
    assert any(c.startswith("actor Khalifa Haftar (person, sentiment -") for c in outcome.clauses)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("    terms: []\n", r"rule 'r': terms: List should have at least 1 item"),
        ("    severity: huge\n    terms: [x]\n", r"rule 'r': severity: Input should be 'low'"),
        ("    terms: [x]\n    match: y\n", "exactly one of `terms` or `match`"),
        ("    match: {near: [a, b]}\n", r"rule 'r': match.near: give either"),
        ("    match: {all: [a, {near: [b, c], within: -1}]}\n", r"match.all\[1\].near.within"),
        ("    match: {sometimes: [a]}\n", r"rule 'r': match: expected exactly one of"),
        ("    match: {actor: {watchlist: nope}}\n", r"match.actor.watchlist: unknown watchlist"),
        ("    match: {actor: {sentiment: {}}}\n", r"match.actor.sentiment"),
        ('    match: "mer*cenary"\n', r"`\*` may only end a word"),
        ('    match: "sanc=tions"\n', r"`=` only start one"),
        ("    match: {weighted: {terms: {a: -1}, threshold: 1}}\n", "weights must be positive"),
        ("    cooldown: soon\n    terms: [x]\n", "not a duration"),
    ],
)
def test_errors_name_the_rule_and_field(nlp: Any, body: str, message: str) -> None:
    with pytest.raises(rules.RuleError, match=message):
        _rule(nlp, body)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("rules: [", "not valid YAML"),
        ("- a list", "expected a mapping"),
        ("rules: []", r"rules file: rules: List should have at least 1 item"),
        (
            "rules:\n  - {id: a, name: A, severity: low, terms: [x]}\n"
            "  - {id: a, name: B, severity: low, terms: [y]}",
            "duplicate rule ids",
        ),
    ],
)
def test_file_level_errors(nlp: Any, source: str, message: str) -> None:
    with pytest.raises(rules.RuleError, match=message):
        rules.parse(source, nlp)


def test_bundled_rules_load(nlp: Any) -> None:
    ruleset = rules.load(rules.DEFAULT_RULES, nlp)
    assert {"armed-violence", "terrorism"} <= set(ruleset.by_id)
    assert len(ruleset.version) == 12
