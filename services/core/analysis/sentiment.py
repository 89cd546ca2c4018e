"""Sentiment toward actors, first method: VADER's lexicon on the sentence of each mention."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from services.core.models import SentimentLabel

METHOD = "vader-sentence-v1"
# VADER's own convention for its compound score.
NEUTRAL_BAND = 0.05
MAX_EVIDENCE = 3


@dataclass(frozen=True)
class Scored:
    """A sentence (offsets into the text) and its sentiment score in [-1, 1]."""

    start: int
    end: int
    score: float


def label(score: float) -> SentimentLabel:
    if score >= NEUTRAL_BAND:
        return "positive"
    if score <= -NEUTRAL_BAND:
        return "negative"
    return "neutral"


@functools.cache
def _analyzer() -> object:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def score_text(text: str) -> float:
    """VADER's compound score of a piece of text, rounded for stable output."""
    scores = _analyzer().polarity_scores(text)  # type: ignore[attr-defined]
    return round(float(scores["compound"]), 4)


def aggregate(sentences: list[Scored]) -> tuple[float, list[Scored]]:
    """An actor's score: the mean over the distinct sentences that mention it.

    The evidence is the strongest of those sentences, strongest first.
    """
    unique = list({(s.start, s.end): s for s in sentences}.values())
    if not unique:
        return 0.0, []
    mean = round(sum(s.score for s in unique) / len(unique), 4)
    strongest = sorted((s for s in unique if s.score != 0), key=lambda s: -abs(s.score))
    return mean, strongest[:MAX_EVIDENCE]
