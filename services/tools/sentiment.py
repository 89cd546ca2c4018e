"""`wirewatch sentiment` (targets in, sentiment out, line for line) and its evaluation."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, Any

import orjson

from wirewatch.core.analysis.sentiment import methods as sentiment
from wirewatch.core.analysis.sentiment.model import TargetModel
from wirewatch.core.analysis.sentiment.targets import LABELS, Prediction, Target, read_newsmtsc
from wirewatch.tools.output import json_lines

Predict = Callable[[Sequence[Target]], list[Prediction]]


def _targets(line: bytes) -> list[Target]:
    row = orjson.loads(line)
    if not isinstance(row, dict) or not isinstance(row.get("text"), str):
        raise ValueError('need {"text": str, "targets": [{"start": int, "end": int}]}')
    text = row["text"]
    out = []
    for i, t in enumerate(row.get("targets") or []):
        start, end = (t.get("start"), t.get("end")) if isinstance(t, dict) else (None, None)
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            raise ValueError(f"targets[{i}]: need 0 <= start < end <= len(text) ({len(text)})")
        out.append(Target(text, start, end))
    return out


def annotate(lines: Iterable[bytes], out: IO[bytes], predict: Predict) -> int:
    """Write one answer line per input line; a bad line gets {"error": ...}. Errors counted."""
    errors = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            targets = _targets(line)
        except (ValueError, orjson.JSONDecodeError, AttributeError) as exc:
            errors += 1
            print(f"line {number}: {exc}", file=sys.stderr)
            out.write(orjson.dumps({"error": f"line {number}: {exc}"}) + b"\n")
            continue
        answers = [
            {"start": t.start, "end": t.end, "label": p.label, "score": p.score}
            for t, p in zip(targets, predict(targets), strict=True)
        ]
        out.write(orjson.dumps({"targets": answers}) + b"\n")
    return errors


def run(path: Path | None) -> int:
    model = TargetModel()
    stream = sys.stdin.buffer if path is None or str(path) == "-" else path.open("rb")
    with stream:
        errors = annotate(stream, sys.stdout.buffer, model.predict)
    return 2 if errors else 0


def scores(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Accuracy, per-class precision/recall/F1 and macro-F1."""
    report: dict[str, Any] = {
        "targets": len(gold),
        "accuracy": sum(g == p for g, p in zip(gold, pred, strict=True)) / max(len(gold), 1),
    }
    f1s = []
    for c in LABELS:
        tp = sum(g == c and p == c for g, p in zip(gold, pred, strict=True))
        fp = sum(g != c and p == c for g, p in zip(gold, pred, strict=True))
        fn = sum(g == c and p != c for g, p in zip(gold, pred, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        report[c] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
        f1s.append(f1)
    report["macro_f1"] = sum(f1s) / len(f1s)
    return report


def evaluate(path: Path, predict: Predict) -> dict[str, Any]:
    targets = list(read_newsmtsc(path))
    pred = [p.label for p in predict(targets)]
    return scores([str(t.label) for t in targets], pred)


def format_report(name: str, report: dict[str, Any]) -> str:
    lines = [
        f"{name}: {report['targets']} targets, accuracy {report['accuracy']:.3f}, "
        f"macro-F1 {report['macro_f1']:.3f}",
        f"  {'class':<9} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}",
    ]
    for c in LABELS:
        r = report[c]
        lines.append(
            f"  {c:<9} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f} {r['support']:5d}"
        )
    return "\n".join(lines)


def run_eval(paths: list[Path], method: str, fmt: str = "table") -> int:
    predict: Predict = sentiment.vader if method == "vader" else TargetModel().predict
    for path in paths:
        report = evaluate(path, predict)
        if fmt == "json":
            json_lines([{"file": path.name, "method": method, **report}])
        else:
            print(format_report(path.name, report))
    return 0
