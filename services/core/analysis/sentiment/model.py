"""The trained target-sentiment model (ONNX, int8) served without torch."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from wirewatch.core.analysis.sentiment.targets import LABELS, Prediction, Target, mark

DEFAULT_MODEL = Path(__file__).resolve().parents[3] / "data" / "models" / "sentiment"
INPUTS = (
    ("input_ids", "ids"),
    ("attention_mask", "attention_mask"),
    ("token_type_ids", "type_ids"),
)
# Fewer targets than this per thread are not worth a hand-off to another thread.
MIN_CHUNK = 4


class TargetModel:
    """Sentence-level, target-dependent sentiment: one forward pass per target.

    Targets run one at a time on purpose: int8 dynamic quantisation scales activations over
    the whole batch, so batching would make a target's score depend on its neighbours.
    """

    def __init__(self, path: Path = DEFAULT_MODEL, threads: int = 1, parallel: int = 1):
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
        # One article's targets spread over `parallel` threads: onnxruntime and the tokenizer
        # release the GIL, so an article alone on an idle worker uses every core.
        self.parallel = parallel
        self._pool = (
            ThreadPoolExecutor(parallel, thread_name_prefix="targets") if parallel > 1 else None
        )

    def predict(self, targets: Sequence[Target]) -> list[Prediction]:
        """Each target scored on its own (so the result never depends on the split)."""
        chunks = min(self.parallel, len(targets) // MIN_CHUNK)
        if self._pool is None or chunks < 2:
            return [self._one(t) for t in targets]
        size = -(-len(targets) // chunks)
        parts = [targets[i : i + size] for i in range(0, len(targets), size)]
        futures = [self._pool.submit(self._many, part) for part in parts]
        return [p for f in futures for p in f.result()]

    def _many(self, targets: Sequence[Target]) -> list[Prediction]:
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
def shared(path: Path = DEFAULT_MODEL, parallel: int = 1) -> TargetModel:
    """One loaded model per process, path and degree of parallelism."""
    return TargetModel(path, parallel=parallel)


def available(path: Path = DEFAULT_MODEL) -> bool:
    return (path / "model.onnx").is_file()
