"""The reading checks of the retyping rules (docs/analysis.md): every actor a rule (teams,
companies, descriptors, states, or the organisation-head rule) retypes or adds in the Wikinews
articles outside ner-dev, and 40 of them drawn at random (seeds 14, 15, 17, 20 and 22) with the
sentence of a mention in the role that retyped them, for a reader to say whether each is what
the rule made it."""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from wirewatch.core.analysis.entities import actors as actor_mod
from wirewatch.core.analysis.entities import (
    aliases,
    companies,
    descriptors,
    nlp,
    states,
    teams,
)
from wirewatch.core.analysis.entities.mentions import mentions_from

SEEDS = {"teams": 14, "companies": 15, "descriptors": 17, "states": 20, "heads": 22}
DRAWN = 40


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


STEPS = (teams, companies, descriptors, states)


def _organisations(doc: Any, table: aliases.AliasTable, org_heads: bool) -> dict[str, Any]:
    resolved = aliases.canonicalise(actor_mod.resolve(mentions_from(doc, org_heads)), table)
    for step in STEPS:
        resolved = step.retype(doc, resolved)
    return {a.name: a for a, _ in resolved if a.type == "organisation"}


def retyped(doc: Any, table: aliases.AliasTable, rule: str) -> list[actor_mod.ResolvedActor]:
    """The actors of one article that the rule retyped, as the pipeline runs the rules."""
    if rule == "heads":  # a mention rule: the organisations with it that are not without it
        without = _organisations(doc, table, org_heads=False)
        return [a for name, a in _organisations(doc, table, True).items() if name not in without]
    resolved = aliases.canonicalise(actor_mod.resolve(mentions_from(doc)), table)
    steps = [teams, companies, descriptors, states]
    module = {"teams": teams, "companies": companies, "descriptors": descriptors, "states": states}[
        rule
    ]
    for step in steps[: steps.index(module)]:
        resolved = step.retype(doc, resolved)
    before = {id(a) for a, _ in resolved}
    return [a for a, _ in module.retype(doc, resolved) if id(a) not in before]


def _in_role(rule: str, span: Any) -> bool:
    if rule == "heads":
        return True
    if rule == "companies":
        return companies.company_role(span.root)
    if rule == "teams":
        return teams.role(span.root) == "team"
    if rule == "states":
        return states.is_agent(span.root)
    return descriptors.descriptor(span) is not None


def _evidence(doc: Any, actor: actor_mod.ResolvedActor, rule: str) -> str:
    for m in actor.mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None and _in_role(rule, span):
            return str(span.sent.text).strip()
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("articles", type=Path, help="../shared/data/wikinews/articles.jsonl")
    parser.add_argument("ner_dev", type=Path, help="../shared/data/ner-dev/ner-dev.jsonl")
    parser.add_argument("out", type=Path, help="JSONL: the drawn actors with their sentence")
    parser.add_argument("--rule", choices=sorted(SEEDS), default="teams")
    args = parser.parse_args()
    dev = {_title_key(json.loads(line)["title"]) for line in args.ner_dev.open()}
    rows = [json.loads(line) for line in args.articles.open()]
    rows = [r for r in rows if _title_key(r.get("title") or "") not in dev]
    model, table = nlp.load(), aliases.AliasTable.load()
    found = []
    for row, doc in zip(rows, model.pipe(r["text"] for r in rows), strict=True):
        for actor in retyped(doc, table, args.rule):
            found.append({"article": row["id"], "title": row.get("title"), "actor": actor.name,
                          "sentence": _evidence(doc, actor, args.rule)})  # fmt: skip
    drawn = random.Random(SEEDS[args.rule]).sample(found, min(DRAWN, len(found)))
    with args.out.open("w") as handle:
        for item in drawn:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(rows)} articles, {len(found)} actors retyped, {len(drawn)} drawn -> {args.out}")


if __name__ == "__main__":
    main()
