"""Sentence embeddings from all-MiniLM-L6-v2 in numpy (int8 weights): no torch at run time."""

from __future__ import annotations

import functools
import math
import threading
from pathlib import Path

import numpy as np
import numpy.typing as npt
from threadpoolctl import ThreadpoolController
from tokenizers import Tokenizer

ENCODER_DIR = Path(__file__).resolve().parents[2] / "data" / "models" / "encoder"
WORDS = "embeddings.word_embeddings.weight"
Array = npt.NDArray[np.float32]
LAYERS, HEADS, EPS = 6, 12, 1e-12


def _erf(x: Array) -> Array:
    """Abramowitz and Stegun 7.1.26 (error below 1.5e-7): numpy has no erf."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (
        0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))
    )
    return np.asarray(sign * (1.0 - poly * np.exp(-a * a)), dtype=np.float32)


def _gelu(x: Array) -> Array:
    return np.asarray(0.5 * x * (1.0 + _erf(x / np.float32(math.sqrt(2.0)))), dtype=np.float32)


def _norm(x: Array, weight: Array, bias: Array) -> Array:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + EPS) * weight + bias, dtype=np.float32)


def dequantise(arrays: dict[str, npt.NDArray[np.generic]]) -> dict[str, Array]:
    """int8 matrices with one float scale per row (`name` + `name.scale`) back to float32."""
    out: dict[str, Array] = {}
    for name, value in arrays.items():
        if name.endswith(".scale"):
            continue
        if value.dtype == np.int8:
            scale = np.asarray(arrays[f"{name}.scale"], dtype=np.float32)
            out[name] = value.astype(np.float32) * scale[:, None]
        else:
            out[name] = value.astype(np.float32)
    return out


class MiniLM:
    """The BERT encoder, mean pooling and L2 normalisation of sentence-transformers'
    all-MiniLM-L6-v2, computed one text at a time (no padding to pay for)."""

    def __init__(
        self,
        weights: dict[str, Array],
        tokenizer: Tokenizer,
        max_tokens: int = 128,
        quantised: dict[str, tuple[npt.NDArray[np.int8], Array]] | None = None,
    ):
        _one_blas_thread()
        self.w = weights
        # The matrices stay int8 with their row scales (11 MB against 45 MB of float32 per
        # worker): embedding rows are made float as a text uses them, a layer's matrix just
        # before its product, into a buffer each thread reuses. The numbers are those of a
        # float copy made at load, bit for bit; the cost is about 10 ms a text (of 90).
        self.quantised = quantised or {}
        self._scratch = threading.local()
        self.tokenizer = tokenizer
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()

    @classmethod
    def load(cls, directory: Path = ENCODER_DIR) -> MiniLM:
        weights: dict[str, Array] = {}
        quantised: dict[str, tuple[npt.NDArray[np.int8], Array]] = {}
        with np.load(directory / "minilm-int8.npz") as data:
            for name in data.files:
                # Mean pooling replaces BERT's pooler, so its weights are never used.
                if name.endswith(".scale") or name.startswith("pooler."):
                    continue
                value = data[name]
                if value.dtype == np.int8:
                    quantised[name] = value, np.asarray(data[f"{name}.scale"], dtype=np.float32)
                else:
                    weights[name] = value.astype(np.float32)
        tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        return cls(weights, tokenizer, quantised=quantised)

    def embed(self, texts: list[str]) -> Array:
        """One unit vector of 384 numbers per text."""
        if not texts:
            return np.zeros((0, 384), "f4")
        return np.stack([self._one(t) for t in texts])

    def _one(self, text: str) -> Array:
        ids = np.asarray(self.tokenizer.encode(text).ids, dtype=np.int64)
        x = (
            self._rows(WORDS, ids)
            + self._rows("embeddings.position_embeddings.weight", np.arange(len(ids)))
            + self._rows("embeddings.token_type_embeddings.weight", np.zeros(1, np.int64))[0]
        )
        x = _norm(x, self.w["embeddings.LayerNorm.weight"], self.w["embeddings.LayerNorm.bias"])
        for layer in range(LAYERS):
            x = self._layer(x, f"encoder.layer.{layer}.")
        pooled = x.mean(0)
        return np.asarray(pooled / max(float(np.linalg.norm(pooled)), 1e-12), dtype=np.float32)

    def _rows(self, name: str, ids: npt.NDArray[np.int64]) -> Array:
        if name not in self.quantised:
            return self.w[name][ids]
        values, scale = self.quantised[name]
        return np.asarray(values[ids].astype(np.float32) * scale[ids, None], dtype=np.float32)

    def _matrix(self, name: str) -> Array:
        if name not in self.quantised:
            return self.w[name]
        values, scale = self.quantised[name]
        buffer: Array | None = getattr(self._scratch, "buffer", None)
        if buffer is None or buffer.size < values.size:
            buffer = self._scratch.buffer = np.empty(values.size, np.float32)
        out = buffer[: values.size].reshape(values.shape)
        np.multiply(values, scale[:, None], out=out, dtype=np.float32)
        return out

    def _dense(self, x: Array, name: str) -> Array:
        product = x @ self._matrix(f"{name}.weight").T
        return np.asarray(product + self.w[f"{name}.bias"], np.float32)

    def _layer(self, x: Array, p: str) -> Array:
        n, size = x.shape
        head = size // HEADS

        def split(name: str) -> Array:
            return self._dense(x, p + name).reshape(n, HEADS, head).transpose(1, 0, 2)

        q, k, v = (
            split("attention.self.query"),
            split("attention.self.key"),
            split("attention.self.value"),
        )
        scores = q @ k.transpose(0, 2, 1) / np.float32(math.sqrt(head))
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(n, size)
        attended = self._dense(context, p + "attention.output.dense") + x
        x = _norm(
            attended,
            self.w[p + "attention.output.LayerNorm.weight"],
            self.w[p + "attention.output.LayerNorm.bias"],
        )
        inner = _gelu(self._dense(x, p + "intermediate.dense"))
        out = self._dense(inner, p + "output.dense") + x
        return _norm(
            out, self.w[p + "output.LayerNorm.weight"], self.w[p + "output.LayerNorm.bias"]
        )


_LOCK = threading.Lock()
_SHARED: dict[Path, MiniLM] = {}


@functools.cache
def _one_blas_thread() -> None:
    """numpy's BLAS on one thread for the rest of the process, set when an encoder is made.

    The matrices are small and the analysis threads already keep the cores busy: OpenBLAS's
    own threads would fight them (measured: 13 % of throughput). It is set once because the
    limit is process-wide: set and restored around each call, calls overlapping in two
    threads did not all run with the same number of BLAS threads, OpenBLAS then sums in
    another order, and one text got two vectors (a test runs four threads at once).
    """
    ThreadpoolController().limit(limits=1, user_api="blas")


def shared(directory: Path = ENCODER_DIR) -> MiniLM:
    """One encoder per process, loaded on first use."""
    with _LOCK:
        if directory not in _SHARED:
            _SHARED[directory] = MiniLM.load(directory)
        return _SHARED[directory]
