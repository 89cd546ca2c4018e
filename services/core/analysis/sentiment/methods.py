"""Sentiment toward actors: the trained target model (default) or VADER's sentence lexicon."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from wirewatch.core.analysis.sentiment.targets import Prediction, Target
from wirewatch.core.models import SentimentLabel

Method = Literal["model", "vader"]
Scorer = Callable[[Sequence[Target]], list[Prediction]]
VADER_METHOD = "vader-sentence-v1"
# VADER's own convention for its compound score.
NEUTRAL_BAND = 0.05
# The model's score is P(positive) - P(negative): an actor-level mean within this band of 0
# has no clear direction.
MODEL_NEUTRAL_BAND = 0.2
MAX_EVIDENCE = 3


@dataclass(frozen=True)
class Scored:
    """A sentence (offsets into the text), the sentiment toward one actor in it, and how sure."""

    start: int
    end: int
    score: float
    confidence: float = 1.0


def label(score: float, band: float = NEUTRAL_BAND) -> SentimentLabel:
    if score >= band:
        return "positive"
    if score <= -band:
        return "negative"
    return "neutral"


@functools.cache
def _analyzer() -> object:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


@functools.lru_cache(maxsize=4096)
def score_text(text: str) -> float:
    """VADER's compound score of a piece of text, rounded for stable output."""
    scores = _analyzer().polarity_scores(text)  # type: ignore[attr-defined]
    return round(float(scores["compound"]), 4)


def vader(targets: Sequence[Target]) -> list[Prediction]:
    """The lexicon baseline: VADER on the target's whole sentence, whatever the target."""
    out = []
    for t in targets:
        score = score_text(t.text)
        out.append(Prediction(label(score), score, 1.0))
    return out


@dataclass(frozen=True)
class SentimentMethod:
    """How targets are scored, its name (recorded in every enriched article) and its band."""

    name: str
    score: Scorer
    band: float


def method(kind: Method = "model", parallel: int = 1) -> SentimentMethod:
    """The scorer of `kind`; `parallel` threads share one article's targets (model only)."""
    if kind == "vader":
        return SentimentMethod(VADER_METHOD, vader, NEUTRAL_BAND)
    from wirewatch.core.analysis.sentiment import model as target_model

    model = target_model.shared(parallel=parallel)
    return SentimentMethod(model.name, model.predict, MODEL_NEUTRAL_BAND)


def aggregate(sentences: list[Scored]) -> tuple[float, list[Scored]]:
    """An actor's score: the confidence-weighted mean over the distinct sentences naming it.

    The evidence is the strongest of those sentences, strongest first.
    """
    unique = list({(s.start, s.end): s for s in sentences}.values())
    weight = sum(s.confidence for s in unique)
    if not unique or weight <= 0:
        return 0.0, []
    mean = round(sum(s.score * s.confidence for s in unique) / weight, 4)
    strongest = sorted((s for s in unique if s.score != 0), key=lambda s: -abs(s.score))
    return mean, strongest[:MAX_EVIDENCE]
