"""The trained target-sentiment model (ONNX, int8) served without torch."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from services.core.analysis.targets import LABELS, Prediction, Target, mark

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "data" / "models" / "sentiment"
INPUTS = (
    ("input_ids", "ids"),
    ("attention_mask", "attention_mask"),
    ("token_type_ids", "type_ids"),
)


class TargetModel:
    """Sentence-level, target-dependent sentiment: one forward pass per target.

    Targets run one at a time on purpose: int8 dynamic quantisation scales activations over
    the whole batch, so batching would make a target's score depend on its neighbours.
    """

    def __init__(self, path: Path = DEFAULT_MODEL, threads: int = 1):
        import onnxruntime
        import tokenizers

        self.path = path
        self.info: dict[str, Any] = json.loads((path / "model.json").read_text())
        self.name = str(self.info["name"])
        self.tokenizer = tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(self.info["max_length"]))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(path / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

        wanted = {i.name for i in self.session.get_inputs()}
        self.inputs = [(name, attr) for name, attr in INPUTS if name in wanted]

    def predict(self, targets: Sequence[Target]) -> list[Prediction]:
        return [self._one(t) for t in targets]

    def probabilities(self, target: Target) -> Any:
        """P(negative), P(neutral), P(positive) for one target."""
        encoding = self.tokenizer.encode(*mark(target))
        feed = {n: np.array([getattr(encoding, a)], dtype=np.int64) for n, a in self.inputs}
        logits = self.session.run(None, feed)[0][0].astype(np.float64)
        probs = np.exp(logits - logits.max())
        return probs / probs.sum()

    def _one(self, target: Target) -> Prediction:
        probs = self.probabilities(target)
        best = int(probs.argmax())
        return Prediction(
            label=LABELS[best],
            score=round(float(probs[2] - probs[0]), 4),
            confidence=round(float(probs[best]), 4),
        )


@functools.cache
def shared(path: Path = DEFAULT_MODEL) -> TargetModel:
    """One loaded model per process and path."""
    return TargetModel(path)


def available(path: Path = DEFAULT_MODEL) -> bool:
    return (path / "model.onnx").is_file()
