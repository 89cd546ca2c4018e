"""`wirewatch eval ner`: precision, recall and F1 of entity mentions by type (exact spans)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import iter_jsonl, validate
from wirewatch.core.errors import InputError
from wirewatch.enrich.settings import EnrichSettings
from wirewatch.tools.output import json_lines

# Our actor types against the CoNLL-style labels of the evaluation files.
TYPES = {"person": "PER", "organisation": "ORG", "place": "LOC"}
SCORED = ("PER", "ORG", "LOC")


def score(
    gold: set[tuple[str, int, int, str]], found: set[tuple[str, int, int, str]]
) -> dict[str, tuple[float, float, float]]:
    """Per type and overall: (precision, recall, F1) of exact (doc, start, end, type) matches."""
    out = {}
    for label in (*SCORED, "ALL"):
        g = {x for x in gold if label in ("ALL", x[3])}
        f = {x for x in found if label in ("ALL", x[3])}
        tp = len(g & f)
        p = tp / len(f) if f else 0.0
        r = tp / len(g) if g else 0.0
        out[label] = (p, r, 2 * p * r / (p + r) if p + r else 0.0)
    return out


Mention = tuple[str, int, int, str]


def read_documents(path: Path) -> list[dict[str, Any]]:
    """Annotated documents ({id, text, entities: [{start, end, label}]}); malformed lines
    and an empty file are refused."""
    docs = []
    for number, d in iter_jsonl(path):
        if not isinstance(d, dict) or not {"id", "text", "entities"} <= d.keys():
            raise InputError(f"{path}: line {number}: not an {{id, text, entities}} object")
        docs.append(d)
    if not docs:
        raise InputError(f"{path}: no annotated documents")
    return docs


def breakdown(gold: set[Mention], found: set[Mention]) -> dict[str, Counter[str]]:
    """What became of each gold name, by its type: `right`, `as PER`/`as ORG`/`as LOC` (the
    same span, another type), `boundary` (a found name overlaps it, other span) or `missed`;
    and under `spurious`, the found names that overlap no gold name, by their type."""
    by_doc: dict[str, list[Mention]] = {}
    for f in found:
        by_doc.setdefault(f[0], []).append(f)
    out: dict[str, Counter[str]] = {t: Counter() for t in (*SCORED, "spurious")}
    for doc, start, end, label in gold:
        near = [f for f in by_doc.get(doc, []) if f[1] < end and start < f[2]]
        same = [f[3] for f in near if (f[1], f[2]) == (start, end)]
        if label in same:
            out[label]["right"] += 1
        elif same:
            out[label][f"as {same[0]}"] += 1
        else:
            out[label]["boundary" if near else "missed"] += 1
    golds: dict[str, list[Mention]] = {}
    for g in gold:
        golds.setdefault(g[0], []).append(g)
    for doc, start, end, label in found:
        if not any(g[1] < end and start < g[2] for g in golds.get(doc, [])):
            out["spurious"][label] += 1
    return out


def evaluate(
    path: Path,
) -> tuple[dict[str, tuple[float, float, float]], Counter[str], dict[str, Counter[str]]]:
    settings = EnrichSettings()
    analyzer = Analyzer.load(
        settings.enrich_spacy_model,
        settings.enrich_rules_path,
        "vader",  # sentiment is not measured here
        settings.actors_paths,
        entities=settings.entities_method,
    )
    docs = read_documents(path)
    gold = {
        (d["id"], e["start"], e["end"], e["label"])
        for d in docs
        for e in d["entities"]
        if e["label"] in SCORED
    }
    articles = validate([{"id": d["id"], "text": d["text"]} for d in docs])
    found: set[tuple[str, int, int, str]] = set()
    for article, result in zip(articles, analyzer.analyze(articles), strict=True):
        if article.text != result.enriched.text:
            raise ValueError(
                f"{article.id}: text changed by normalisation; offsets would not compare"
            )
        types = {a.id: a.type for a in result.enriched.actors}
        for m in result.enriched.entities:
            label = TYPES.get(types[m.actor_id])
            if label is not None:
                found.add((article.id, m.start, m.end, label))
    return score(gold, found), Counter(x[3] for x in gold), breakdown(gold, found)


def run(path: Path, fmt: str = "table") -> int:
    scores, support, errors = evaluate(path)
    if fmt == "json":
        json_lines(
            {"type": label, "precision": p, "recall": r, "f1": f,
             "gold": support.get(label, sum(support.values()))}
            for label, (p, r, f) in scores.items()
        )  # fmt: skip
        return 0
    print(f"{'type':<6}{'precision':>10}{'recall':>8}{'F1':>8}{'gold':>7}")
    for label, (p, r, f) in scores.items():
        print(
            f"{label:<6}{p:>10.3f}{r:>8.3f}{f:>8.3f}{support.get(label, sum(support.values())):>7}"
        )
    print("\nWhat became of each gold name (same span, other type: 'as'), and found names")
    print("that overlap none (spurious):")
    for label, counts in errors.items():
        print(f"{label:<9}" + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "-"))
    return 0
