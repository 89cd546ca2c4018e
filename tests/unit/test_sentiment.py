"""The first sentiment method: labels, scores and aggregation with evidence."""

from __future__ import annotations

from wirewatch.core.analysis.sentiment import methods as sentiment
from wirewatch.core.analysis.sentiment.methods import Scored


def test_labels_use_the_neutral_band() -> None:
    assert sentiment.label(0.3) == "positive"
    assert sentiment.label(-0.3) == "negative"
    assert sentiment.label(0.01) == "neutral"


def test_score_text_has_the_right_sign() -> None:
    assert sentiment.score_text("Turkey has responded positively and helped us.") > 0
    assert sentiment.score_text("He committed crimes and attacked civilians.") < 0


def test_aggregate_is_the_mean_over_distinct_sentences_with_strongest_evidence() -> None:
    a, b, c = Scored(0, 10, -0.8), Scored(20, 30, 0.2), Scored(40, 50, 0.0)
    score, evidence = sentiment.aggregate([a, a, b, c])
    assert score == -0.2  # (-0.8 + 0.2 + 0.0) / 3: the repeated sentence counts once
    assert evidence == [a, b]


def test_aggregate_of_nothing_is_neutral() -> None:
    assert sentiment.aggregate([]) == (0.0, [])


def test_aggregate_weights_by_confidence() -> None:
    sure, unsure = Scored(0, 10, -0.9, 0.9), Scored(20, 30, 0.6, 0.3)
    score, evidence = sentiment.aggregate([sure, unsure])
    assert score == -0.525  # the sure negative outweighs the unsure positive
    assert evidence == [sure, unsure]


def test_the_model_band_is_wider_than_vader_s() -> None:
    assert sentiment.label(0.15, sentiment.MODEL_NEUTRAL_BAND) == "neutral"
    assert sentiment.label(-0.25, sentiment.MODEL_NEUTRAL_BAND) == "negative"
