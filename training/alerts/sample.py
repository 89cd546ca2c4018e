"""Draws the Wikinews articles of the alert evaluation set (fixed seeds, fixed before any rule
was scored on them). Round one (440): 200 at random, 200 at random among articles with a broad
event word, and 40 at random among articles naming sanctions (the first 400 held one sanctions
story). Round two (166): every other article naming sanctions, and 120 at random among articles
with an unrest word in the lead."""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

# Broader than any rule, so the second half holds events the rules miss and words they
# misread; never tuned.
CANDIDATE = re.compile(
    r"\b(attack|bomb|kill|dead|death|shell|shoot|shot|gunm|militant|insurgen|terror|hostage|"
    r"kidnap|protest|riot|demonstrat|curfew|coup|unrest|clash|sanction|embargo|blacklist|"
    r"wound|injur|casualt|massacre|rocket|missile|airstrike|war)",
    re.I,
)
SANCTIONS = re.compile(
    r"\b(sanction|embargo|blacklist|asset freeze|frozen assets|freeze (its|the|their) assets)", re.I
)
SEED = 19
# The second round (session 9): the desks with too few positives to train on. Every article
# left that names sanctions anywhere, and 120 among those with unrest words in the lead.
SEED_2 = 20
UNREST = re.compile(
    r"\b(protest|riot|demonstrat|curfew|coup|unrest|clash|rall(y|ies)|marche?d)", re.I
)


def draw(rows: list[dict[str, object]], n: int = 200) -> list[tuple[str, dict[str, object]]]:
    rng = random.Random(SEED)
    random_half = rng.sample(rows, n)
    taken = {r["id"] for r in random_half}
    pool = [
        r for r in rows if r["id"] not in taken and CANDIDATE.search(f"{r['title']} {r['text']}")
    ]
    candidates = rng.sample(pool, n)
    taken |= {r["id"] for r in candidates}
    pool = [
        r for r in rows if r["id"] not in taken and SANCTIONS.search(f"{r['title']} {r['text']}")
    ]
    sanctions = rng.sample(pool, 40)
    return (
        [("random", r) for r in random_half]
        + [("candidate", r) for r in candidates]
        + [("sanctions", r) for r in sanctions]
    )


def draw_second(
    rows: list[dict[str, object]], taken: set[object], n: int = 120
) -> list[tuple[str, dict[str, object]]]:
    rng = random.Random(SEED_2)
    left = [r for r in rows if r["id"] not in taken]
    sanctions = [r for r in left if SANCTIONS.search(f"{r['title']} {r['text']}")]
    taken = taken | {r["id"] for r in sanctions}
    pool = [
        r
        for r in left
        if r["id"] not in taken and UNREST.search(f"{r['title']} {str(r['text'])[:1000]}")
    ]
    unrest = rng.sample(pool, n)
    out = [("sanctions-2", r) for r in sanctions] + [("unrest-2", r) for r in unrest]
    rng.shuffle(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("articles", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.articles.open()]
    first = draw(rows)
    second = draw_second(rows, {r["id"] for _, r in first})
    with args.out.open("w") as out:
        for i, (stratum, row) in enumerate(first + second):
            split = "tune" if i % 2 == 0 else "test"  # alternate: both halves in each split
            out.write(json.dumps({**row, "stratum": stratum, "split": split}) + "\n")


if __name__ == "__main__":
    main()
