"""The team rule's reading check (docs/analysis.md): every actor the rule retypes in the
Wikinews articles outside ner-dev, and 40 of them drawn at random (seed 14) with the sentence
of their first team mention, for a reader to say whether each is a team."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from wirewatch.core.analysis.entities import actors as actor_mod
from wirewatch.core.analysis.entities import aliases, nlp, teams
from wirewatch.core.analysis.entities.mentions import mentions_from

SEED = 14
DRAWN = 40


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def retyped(doc: Any, table: aliases.AliasTable) -> list[actor_mod.ResolvedActor]:
    """The actors of one article that the team rule made organisations."""
    resolved = aliases.canonicalise(actor_mod.resolve(mentions_from(doc)), table)
    before = {id(a) for a, _ in resolved}
    return [a for a, _ in teams.retype(doc, resolved) if id(a) not in before]


def _evidence(doc: Any, actor: actor_mod.ResolvedActor) -> str:
    for m in actor.mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None and teams.role(span.root) == "team":
            return str(span.sent.text).strip()
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("articles", type=Path, help="../shared/data/wikinews/articles.jsonl")
    parser.add_argument("ner_dev", type=Path, help="../shared/data/ner-dev/ner-dev.jsonl")
    parser.add_argument("out", type=Path, help="JSONL: the drawn actors with their sentence")
    args = parser.parse_args()
    dev = {_title_key(json.loads(line)["title"]) for line in args.ner_dev.open()}
    rows = [json.loads(line) for line in args.articles.open()]
    rows = [r for r in rows if _title_key(r.get("title") or "") not in dev]
    model, table = nlp.load(), aliases.AliasTable.load()
    found = []
    for row, doc in zip(rows, model.pipe(r["text"] for r in rows), strict=True):
        for actor in retyped(doc, table):
            found.append({"article": row["id"], "title": row.get("title"), "actor": actor.name,
                          "sentence": _evidence(doc, actor)})  # fmt: skip
    drawn = random.Random(SEED).sample(found, min(DRAWN, len(found)))
    with args.out.open("w") as handle:
        for item in drawn:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(rows)} articles, {len(found)} actors retyped, {len(drawn)} drawn -> {args.out}")


if __name__ == "__main__":
    main()
