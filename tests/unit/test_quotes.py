"""Quotes and stance: direct (curly, straight, multi-paragraph), reported, 'according to',
pronoun and continued speakers, and the sample article's stances."""

from __future__ import annotations

from typing import Any

import pytest

from wirewatch.core.analysis.pipeline import Analysis, Analyzer
from wirewatch.core.analysis.quotes import direct_spans
from wirewatch.core.articles import validate
from wirewatch.core.models import EnrichedArticle, Quote


def _enrich(analyzer: Analyzer, text: str) -> EnrichedArticle:
    [result] = analyzer.analyze(validate([{"text": text}]))
    return result.enriched


def _said(article: EnrichedArticle) -> list[tuple[str, str | None, str, str]]:
    return [(q.kind, q.speaker, q.attribution, q.text) for q in article.quotes]


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("He said “we will win this war” today.", ["we will win this war"]),
        ('He said "we will win this war" today.', ["we will win this war"]),
        ("A “so-called” deal, he said “it is a very bad deal”.", ["it is a very bad deal"]),
        (
            "“First part of a long quote.\n\n“Second part of it,” she said.",
            ["First part of a long quote.\n\n“Second part of it,"],
        ),
        (
            "“Never closed, and the paragraph ends.\n\nNext paragraph.",
            ["Never closed, and the paragraph ends."],
        ),
    ],
)
def test_direct_quotation_spans(text: str, quoted: list[str]) -> None:
    assert [text[s:e] for s, e in direct_spans(text)] == quoted


def test_direct_quote_with_named_speaker(analyzer: Analyzer) -> None:
    article = _enrich(
        analyzer,
        "“We will never accept the occupation of our land by foreign troops,” "
        "Angela Merkel said on Monday in Berlin.",
    )
    [quote] = article.quotes
    assert (quote.kind, quote.speaker, quote.attribution) == ("direct", "Angela Merkel", "explicit")
    assert quote.cue is not None
    assert quote.cue.text == "said"
    assert article.text[quote.start : quote.end] == quote.text


def test_reported_speech_and_pronoun_speaker(analyzer: Analyzer) -> None:
    article = _enrich(
        analyzer,
        "Emmanuel Macron said that the talks with Vladimir Putin had failed badly. "
        "He added that Russia had broken every promise it made to Ukraine.",
    )
    said = _said(article)
    assert [(k, s, a) for k, s, a, _ in said] == [
        ("reported", "Emmanuel Macron", "explicit"),
        ("reported", "Emmanuel Macron", "pronoun"),
    ]
    assert "Vladimir Putin" in said[0][3]
    first, second = article.quotes
    assert first.target_ids == ["vladimir-putin"]
    assert set(second.target_ids) == {"russia", "ukraine"}


def test_according_to(analyzer: Analyzer) -> None:
    article = _enrich(
        analyzer,
        "According to Amnesty International, the army of Sudan killed dozens of protesters.",
    )
    [quote] = [q for q in article.quotes if q.attribution == "according_to"]
    assert quote.speaker == "Amnesty International"
    assert "killed dozens of protesters" in quote.text


def test_multi_paragraph_and_continued_quotes(analyzer: Analyzer) -> None:
    article = _enrich(
        analyzer,
        "“The ceasefire is holding in the north of the country.\n\n"
        "“But the situation in the south is getting worse every day,” "
        "Antonio Guterres told reporters.\n\n"
        "“We need the Security Council to act now and protect the civilians.”\n\n"
        "Markets were calm on Friday.",
    )
    quotes: list[Quote] = article.quotes
    assert [(q.speaker, q.attribution) for q in quotes] == [
        ("António Guterres", "explicit"),
        ("António Guterres", "continued"),
    ]
    assert "\n\n“But the situation" in quotes[0].text


@pytest.fixture(scope="module")
def sample(analyzer: Analyzer, sample_article: dict[str, Any]) -> Analysis:
    return analyzer.analyze(validate([sample_article]))[0]


def test_sample_article_speaker_and_stances(sample: Analysis) -> None:
    article = sample.enriched
    speakers = [q.speaker for q in article.quotes]
    assert len(speakers) >= 8
    assert speakers.count("Fayez Al-Sarraj") > len(speakers) / 2
    stances = {(s.speaker, s.target): s for s in article.stances}
    haftar = stances["Fayez Al-Sarraj", "Khalifa Haftar"]
    turkey = stances["Fayez Al-Sarraj", "Turkey"]
    assert (haftar.label, turkey.label) == ("negative", "positive")
    assert haftar.score < 0 < turkey.score
    assert any("positively" in e.text for e in turkey.evidence)
    for stance in article.stances:
        for e in stance.evidence:
            assert article.text[e.start : e.end] == e.text
        for n in stance.quotes:
            assert stance.target_id in article.quotes[n].target_ids
