"""The reading checks of the retyping rules (docs/analysis.md): every actor a rule (teams,
companies, descriptors, states, the organisation-head or the place-head rule) retypes or adds in
the Wikinews articles outside ner-dev, and 40 of them drawn at random (seeds 14, 15, 17, 20, 22
and 24) with the sentence of a mention in the role that retyped them, for a reader to say
whether each is what the rule made it; with `--rule middle`, 40 pairs of names the middle-name
join puts together (seed 23), with a sentence of each, for a reader to say whether both name
one person; with `--rule acronyms`, 40 acronyms that the spelt-out acronym rule makes no
entity (seed 25), with the sentence that spells each out."""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path
from typing import Any

from wirewatch.core.analysis.entities import (
    acronyms,
    aliases,
    companies,
    descriptors,
    nlp,
    states,
    teams,
)
from wirewatch.core.analysis.entities import actors as actor_mod
from wirewatch.core.analysis.entities.mentions import mentions_from

SEEDS = {
    "teams": 14,
    "companies": 15,
    "descriptors": 17,
    "states": 20,
    "heads": 22,
    "middle": 23,
    "places": 24,
    "acronyms": 25,
}
DRAWN = 40


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


STEPS = (teams, companies, descriptors, states)


# The mention rules: the type each gives, and the flag of `mentions_from` that leaves it out.
MENTION_RULES = {"heads": ("organisation", "org_heads"), "places": ("place", "place_heads")}


def _typed(doc: Any, table: aliases.AliasTable, kind: str, **flags: bool) -> dict[str, Any]:
    resolved = aliases.canonicalise(actor_mod.resolve(mentions_from(doc, **flags)), table)
    for step in STEPS:
        resolved = step.retype(doc, resolved)
    return {a.name: a for a, _ in resolved if a.type == kind}


def retyped(doc: Any, table: aliases.AliasTable, rule: str) -> list[actor_mod.ResolvedActor]:
    """The actors of one article that the rule retyped, as the pipeline runs the rules."""
    if rule in MENTION_RULES:  # the actors of its type with it that are not without it
        kind, flag = MENTION_RULES[rule]
        without = _typed(doc, table, kind, **{flag: False})
        return [a for name, a in _typed(doc, table, kind).items() if name not in without]
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
    if rule in MENTION_RULES:
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


def _sentence(doc: Any, mentions: list[actor_mod.RawMention], name: str) -> str:
    key = actor_mod.name_key(name)
    for m in mentions:
        if actor_mod.name_key(m.text) == key:
            span = doc.char_span(m.start, m.end, alignment_mode="expand")
            return str(span.sent.text).strip() if span is not None else ""
    return ""


def joined(doc: Any) -> list[dict[str, str]]:
    """The pairs of names the middle-name join puts together in one article."""
    mentions = mentions_from(doc)
    return [
        {
            "short": short,
            "full": full,
            "short_sentence": _sentence(doc, mentions, short),
            "full_sentence": _sentence(doc, mentions, full),
        }
        for short, full in actor_mod.middle_name_joins(mentions)
    ]


def spelt_out(doc: Any) -> list[dict[str, str]]:
    """The acronyms of one article that the spelt-out acronym rule makes no entity, with the
    type they had without it and the sentence that spells each out."""
    kept = {m.text for m in mentions_from(doc)}
    things = acronyms.spelt_out(doc.text)
    had: dict[str, str] = {}
    for m in mentions_from(doc, common_acronyms=False):
        if m.text in things and m.text not in kept:
            had.setdefault(m.text, m.label)
    out = []
    for text, label in sorted(had.items()):
        core = text[:-1] if text.endswith("s") else text
        at = re.search(r"\(" + re.escape(core) + r"s?\)", doc.text)
        span = doc.char_span(at.start(), at.end(), alignment_mode="expand") if at else None
        sentence = str(span.sent.text).strip() if span is not None else ""
        out.append({"acronym": text, "was": label, "sentence": sentence})
    return out


def _found(row: dict[str, Any], doc: Any, table: aliases.AliasTable, rule: str) -> list[Any]:
    head = {"article": row["id"], "title": row.get("title")}
    if rule == "middle":
        return [head | pair for pair in joined(doc)]
    if rule == "acronyms":
        return [head | item for item in spelt_out(doc)]
    return [
        head | {"actor": actor.name, "sentence": _evidence(doc, actor, rule)}
        for actor in retyped(doc, table, rule)
    ]


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
        found.extend(_found(row, doc, table, args.rule))
    drawn = random.Random(SEEDS[args.rule]).sample(found, min(DRAWN, len(found)))
    with args.out.open("w") as handle:
        for item in drawn:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(rows)} articles, {len(found)} found, {len(drawn)} drawn -> {args.out}")


if __name__ == "__main__":
    main()
