"""Round three of the alert evaluation (docs/alert-evaluation.md): the Wikinews articles that
no earlier round drew, run through the shipped rules; every article with a desk alert and 150
without (seed 21) go to the reader, shuffled together so that the reader cannot tell which."""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path

from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.tools.alert_eval import judge

SEED_3 = 21
QUIET = 150


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("articles", type=Path, help="../shared/data/wikinews/articles.jsonl")
    parser.add_argument("labelled", type=Path, help="training/alerts/wikinews-desks.jsonl.gz")
    parser.add_argument("out", type=Path, help="the articles to read, with what fired")
    args = parser.parse_args()
    with gzip.open(args.labelled, "rt") as handle:
        taken = {json.loads(line)["id"] for line in handle}
    rows = [json.loads(line) for line in args.articles.open()]
    rest = [{**r, "desks": []} for r in rows if r["id"] not in taken]
    fired = {j.id: sorted(j.fired) for j in judge(Analyzer.load(), rest)}
    alerted = [r for r in rest if fired[r["id"]]]
    rng = random.Random(SEED_3)
    quiet = rng.sample([r for r in rest if not fired[r["id"]]], QUIET)
    out = [("alerted-3", r) for r in alerted] + [("quiet-3", r) for r in quiet]
    rng.shuffle(out)
    with args.out.open("w") as handle:
        for stratum, row in out:
            row = {k: v for k, v in row.items() if k != "desks"}
            record = {**row, "stratum": stratum, "split": "round-3", "fired": fired[row["id"]]}
            handle.write(json.dumps(record) + "\n")
    print(f"{len(rest)} articles, {len(alerted)} with a desk alert, {QUIET} quiet drawn")


if __name__ == "__main__":
    main()
