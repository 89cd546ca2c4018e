"""`wirewatch eval alerts`: precision and recall per desk on articles judged by reading."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from wirewatch.core.analysis import rules as rules_mod
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import validate
from wirewatch.core.models import Alert
from wirewatch.enrich.settings import EnrichSettings
from wirewatch.tools.output import json_lines

# The desks articles are judged for (docs/alert-evaluation.md): a rule serves a desk by its
# id or by a tag of that name.
DESKS = ("armed-violence", "terrorism", "casualties", "civil-unrest", "sanctions")
ARTICLE_FIELDS = ("id", "title", "text", "published", "url", "source")
CHUNK = 64


@dataclass(frozen=True)
class Judged:
    """A labelled article: what the reader decided and what the rules did."""

    id: str
    title: str
    desks: frozenset[str]
    fired: dict[str, list[Alert]]  # desk -> the alerts that put the article on it


@dataclass
class DeskScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    rules: set[str] = field(default_factory=set)

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


def read_labelled(path: Path, split: str) -> Iterator[dict[str, Any]]:
    """Rows of a JSONL file (gzip when it ends in .gz) with a `desks` list each."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        for line in handle:
            if line.strip():
                row = orjson.loads(line)
                if split == "all" or row.get("split") == split:
                    yield row


def desks_of(rule: rules_mod.Rule) -> set[str]:
    return ({rule.id} | set(rule.tags)) & set(DESKS)


def judge(analyzer: Analyzer, rows: list[dict[str, Any]]) -> list[Judged]:
    """Analyse each article as enrich does and note which desks its alerts reach."""
    out: list[Judged] = []
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        articles = validate([{k: r[k] for k in ARTICLE_FIELDS if k in r} for r in part])
        for row, result in zip(part, analyzer.analyze(articles), strict=True):
            fired: dict[str, list[Alert]] = {}
            for alert in result.alerts:
                for desk in desks_of(analyzer.rules.by_id[alert.rule_id]):
                    fired.setdefault(desk, []).append(alert)
            out.append(Judged(row["id"], row["title"], frozenset(row["desks"]), fired))
    return out


def score(judged: list[Judged], rules: rules_mod.RuleSet) -> dict[str, DeskScore]:
    scores = {d: DeskScore() for d in DESKS}
    for rule in rules.rules:
        for desk in desks_of(rule):
            scores[desk].rules.add(rule.id)
    for item in judged:
        for desk in DESKS:
            hit, wanted = desk in item.fired, desk in item.desks
            s = scores[desk]
            s.tp += hit and wanted
            s.fp += hit and not wanted
            s.fn += wanted and not hit
    return scores


def micro(scores: dict[str, DeskScore]) -> DeskScore:
    total = DeskScore()
    for s in scores.values():
        total.tp, total.fp, total.fn = total.tp + s.tp, total.fp + s.fp, total.fn + s.fn
    return total


def why(alerts: list[Alert]) -> str:
    """The rules and the clauses that put an article on a desk."""
    return " | ".join(f"{a.rule_id} [{a.severity}]: {'; '.join(a.clauses)}" for a in alerts)


def details(judged: list[Judged], which: str) -> Iterator[tuple[str, str, Judged, str]]:
    """(verdict, desk, article, why) per alert, and per missed article."""
    for item in judged:
        for desk in DESKS:
            hit, wanted = desk in item.fired, desk in item.desks
            verdict = "TP" if hit and wanted else "FP" if hit else "FN" if wanted else ""
            if verdict and (which == "all" or verdict != "TP"):
                reason = why(item.fired[desk]) if hit else "no rule of this desk fired"
                yield verdict, desk, item, reason


def _fmt(value: float | None) -> str:
    return "   -" if value is None else f"{value:.2f}"


def _table(scores: dict[str, DeskScore], n: int, version: str) -> None:
    print(f"rules version {version}, {n} judged articles (per article, before story grouping)")
    print(f"{'desk':<16}{'alerts':>7}{'TP':>5}{'FP':>5}{'FN':>5}{'prec':>7}{'recall':>8}  rules")
    rows = [*scores.items(), ("all (micro)", micro(scores))]
    for desk, s in rows:
        rules = ", ".join(sorted(s.rules))
        print(
            f"{desk:<16}{s.tp + s.fp:>7}{s.tp:>5}{s.fp:>5}{s.fn:>5}"
            f"{_fmt(s.precision):>7}{_fmt(s.recall):>8}  {rules}"
        )


def run(rules_path: Path, file: Path, split: str, show: str, fmt: str) -> int:
    settings = EnrichSettings()
    try:
        analyzer = Analyzer.load(
            settings.enrich_spacy_model, rules_path, settings.sentiment_method,
            settings.actors_paths, entities=settings.entities_method,
        )  # fmt: skip
    except rules_mod.RuleError as exc:
        print(f"wirewatch eval alerts: {exc}", file=sys.stderr)
        return 2
    rows = list(read_labelled(file, split))
    if not rows:
        splits = sorted({str(r.get("split")) for r in read_labelled(file, "all")})
        print(
            f"wirewatch eval alerts: no labelled articles in {file} ({split}); "
            f"its splits: {', '.join(splits) or 'none'}",
            file=sys.stderr,
        )
        return 2
    judged = judge(analyzer, rows)
    scores = score(judged, analyzer.rules)
    if fmt == "json":
        json_lines(
            {"desk": d, "tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": s.precision,
             "recall": s.recall, "rules": sorted(s.rules), "articles": len(judged),
             "rules_version": analyzer.rules.version}
            for d, s in [*scores.items(), ("all", micro(scores))]
        )  # fmt: skip
        return 0
    _table(scores, len(judged), analyzer.rules.version)
    if show != "none":
        print()
        for verdict, desk, item, reason in details(judged, show):
            print(f"{verdict} {desk:<15} {item.title[:70]}\n     {reason[:300]}")
    return 0
