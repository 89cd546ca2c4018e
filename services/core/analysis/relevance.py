"""Whether an article's lead reports an event of a desk's kind: logistic regression over MiniLM."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from wirewatch.core.analysis import encoder
from wirewatch.core.analysis.rules.doc import MatchDoc

MODEL_PATH = Path(__file__).resolve().parents[2] / "data" / "models" / "relevance" / "desks.json"


def lead_text(doc: MatchDoc, sentences: int) -> str:
    """The title and the text's first sentences: where a story reports its event."""
    bounds = doc.text.sent_bounds[:sentences]
    body = doc.text.doc.text[bounds[0][0] : bounds[-1][1]] if bounds else ""
    title = doc.title.doc.text.strip()
    return f"{title}. {body.strip()}" if title else body.strip()


@dataclass(frozen=True)
class DeskModel:
    weights: np.ndarray
    bias: float

    def probability(self, vector: np.ndarray) -> float:
        z = float(vector @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


class Relevance:
    """One logistic regression per desk over the lead's embedding (docs/alert-evaluation.md)."""

    def __init__(self, desks: dict[str, DeskModel], lead_sentences: int, version: str):
        self.desks = desks
        self.lead_sentences = lead_sentences
        self.version = version

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Relevance:
        data = orjson.loads(path.read_bytes())
        desks = {
            name: DeskModel(np.asarray(d["weights"], dtype=np.float32), float(d["bias"]))
            for name, d in data["desks"].items()
        }
        encoder.shared()  # loaded with the rules, not on the first article that needs it
        return cls(desks, int(data["lead_sentences"]), str(data["version"]))

    def scores(self, doc: MatchDoc) -> dict[str, float]:
        """Every desk's probability for this article (its lead embedded once)."""
        [vector] = encoder.shared().embed([lead_text(doc, self.lead_sentences)])
        return {name: model.probability(vector) for name, model in self.desks.items()}


_LOCK = threading.Lock()
_SHARED: dict[Path, Relevance] = {}


def shared(path: Path = MODEL_PATH) -> Relevance:
    with _LOCK:
        if path not in _SHARED:
            _SHARED[path] = Relevance.load(path)
        return _SHARED[path]
