"""Target-dependent sentiment inputs: the sentence with its target marked, and NewsMTSC files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

if TYPE_CHECKING:  # only a type here: training machines need not install pydantic
    from wirewatch.core.models import SentimentLabel

LABELS: tuple[SentimentLabel, ...] = ("negative", "neutral", "positive")
# NewsMTSC polarity codes.
POLARITY: dict[float, SentimentLabel] = {2.0: "negative", 4.0: "neutral", 6.0: "positive"}


@dataclass(frozen=True)
class Target:
    """One target in a text: character offsets, end exclusive; `label` when annotated."""

    text: str
    start: int
    end: int
    label: SentimentLabel | None = None


@dataclass(frozen=True)
class Prediction:
    """The model's answer for one target: class, score in [-1, 1], confidence in [0, 1]."""

    label: SentimentLabel
    score: float  # P(positive) - P(negative)
    confidence: float  # probability of the predicted class


# Context kept on each side of the target, in characters: the marked target always fits
# the model's 128 tokens, whatever the length of the text.
WINDOW = 300


def mark(target: Target) -> tuple[str, str]:
    """The model's input pair: the text with the target in brackets, and the mention itself.

    The same marking is used in training and serving; changing it needs retraining.
    """
    t = target.text
    mention = t[target.start : target.end]
    before = t[max(0, target.start - WINDOW) : target.start]
    after = t[target.end : target.end + WINDOW]
    return f"{before}[ {mention} ]{after}", mention


def read_newsmtsc(path: Path) -> Iterator[Target]:
    """Every annotated target of a NewsMTSC-format JSONL file."""
    with path.open("rb") as lines:
        for line in lines:
            if not line.strip():
                continue
            row = orjson.loads(line)
            text = row["sentence_normalized"]
            for t in row["targets"]:
                yield Target(text, int(t["from"]), int(t["to"]), POLARITY[float(t["polarity"])])
