"""Agreement between the labels of `wikinews-desks.jsonl.gz` and a second reading of 100 of
its articles (`second-reading.jsonl`, drawn with seed 22, judged without the first labels):
per desk, how often the two agree and Cohen's kappa."""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path
from typing import Any

DESKS = ("armed-violence", "terrorism", "casualties", "civil-unrest", "sanctions")
SEED = 22
SIZE = 100


def draw(labelled: Path) -> list[dict[str, Any]]:
    """The articles of the second reading, in the order they were read."""
    with gzip.open(labelled, "rt") as handle:
        rows = [json.loads(line) for line in handle]
    return random.Random(SEED).sample(rows, SIZE)


def kappa(first: list[bool], second: list[bool]) -> tuple[float, float]:
    """Observed agreement and Cohen's kappa of two yes/no labellings."""
    n = len(first)
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    p, q = sum(first) / n, sum(second) / n
    expected = p * q + (1 - p) * (1 - q)
    return observed, (observed - expected) / (1 - expected) if expected < 1 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("labelled", type=Path, help="training/alerts/wikinews-desks.jsonl.gz")
    parser.add_argument("second", type=Path, help="training/alerts/second-reading.jsonl")
    args = parser.parse_args()
    picked = draw(args.labelled)
    second = {r["id"]: set(r["desks"]) for r in map(json.loads, args.second.open())}
    all_first: list[bool] = []
    all_second: list[bool] = []
    print(f"{'desk':<16}{'first':>6}{'second':>7}  agree  kappa")
    for desk in DESKS:
        a = [desk in set(r["desks"]) for r in picked]
        b = [desk in second[r["id"]] for r in picked]
        all_first += a
        all_second += b
        print(f"{desk:<16}{sum(a):>6}{sum(b):>7}  {kappa(a, b)[0]:.2f}   {kappa(a, b)[1]:.2f}")
    observed, k = kappa(all_first, all_second)
    print(f"{'all desks':<16}{sum(all_first):>6}{sum(all_second):>7}  {observed:.2f}   {k:.2f}")


if __name__ == "__main__":
    main()
