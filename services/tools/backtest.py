"""`wirewatch rules test`: run a rule set over history without publishing anything."""

from __future__ import annotations

import asyncio
import itertools
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from wirewatch.core.analysis import rules as rules_mod
from wirewatch.core.analysis.alerting import Alerting
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import InvalidArticles, count_lines, iter_jsonl, read_file, validate
from wirewatch.core.models import Alert, EnrichedArticle, RawArticle
from wirewatch.enrich.settings import EnrichSettings
from wirewatch.tools.output import json_lines

CHUNK = 64


@dataclass
class RuleStats:
    articles: int = 0
    stories: set[str] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)


def _from_file(path: Path, limit: int, skipped: list[int]) -> Iterator[RawArticle]:
    """The file's articles; a line that is not a valid article is named on stderr, counted
    in `skipped` and passed over, so one bad line does not end a long backtest."""
    if path.suffix == ".json":  # one article or an array, not JSON Lines
        articles = read_file(path)
        yield from articles[:limit] if limit else articles
        return
    count = 0
    for number, item in iter_jsonl(path):
        try:
            if isinstance(item, Exception):
                raise ValueError(f"invalid JSON: {item}")
            article = validate([item])[0]
        except ValueError as exc:  # InvalidArticles is one
            print(f"line {number}: {exc}", file=sys.stderr)
            skipped.append(number)
            continue
        yield article
        count += 1
        if limit and count >= limit:
            return


def _known_total(source: object, file: Path | None, from_topic: bool, limit: int) -> int | None:
    """How many articles the backtest will read, where that is known in advance."""
    if isinstance(source, list):
        total = len(source)
    elif from_topic or file is None or str(file) == "-" or file.suffix == ".json":
        return None
    else:
        total = count_lines(file)
    return min(total, limit) if limit else total


def _from_topic(settings: EnrichSettings, limit: int) -> list[RawArticle]:
    """The enriched topic from its first offset, turned back into raw articles."""
    from wirewatch.core.tail import TopicTail

    found: list[RawArticle] = []

    def keep(record: object) -> None:
        e = EnrichedArticle.model_validate_json(getattr(record, "value", b"") or b"")
        found.append(
            RawArticle(
                id=e.id, title=e.title, text=e.text, url=e.url, source=e.source,
                published_at=e.published_at, received_at=e.received_at,
                language=e.language, story_id=e.story_id,
            )
        )  # fmt: skip

    async def read() -> None:
        stop = asyncio.Event()
        tail = TopicTail(settings, settings.topic_enriched, keep)
        task = asyncio.create_task(tail.run(stop))
        await asyncio.wait(
            {task, asyncio.create_task(tail.caught_up.wait())}, return_when="FIRST_COMPLETED"
        )
        stop.set()
        await task

    asyncio.run(read())
    unique = list({a.id: a for a in found}.values())  # enriched twice: keep one
    return unique[:limit] if limit else unique


def _example(alert: Alert) -> str:
    if not alert.matches:  # a sentiment shift: the numbers say why
        return f"{alert.title or alert.article_id}: {'; '.join(alert.clauses)}"
    ordered = sorted(alert.matches, key=lambda m: m.term.startswith("actor:"))  # terms first
    spans = ", ".join(dict.fromkeys(f"{m.text!r}" for m in ordered[:6]))
    return f"{alert.title or alert.article_id}: {spans} (why: {'; '.join(alert.clauses)})"


def _run(
    analyzer: Analyzer, source: Iterable[RawArticle], known: int | None, examples: int
) -> tuple[dict[str, RuleStats], int]:
    """Analyse the articles in chunks and count what each rule raised."""
    stats = {r.id: RuleStats() for r in analyzer.rules.rules}
    alerting = Alerting()
    total = 0
    bar = tqdm(total=known, unit="article", file=sys.stderr, disable=not sys.stderr.isatty())
    with bar:
        chunk: list[RawArticle] = []
        for article in itertools.chain(source, [None]):
            if article is not None:
                chunk.append(article)
            if len(chunk) >= CHUNK or (article is None and chunk):
                total += len(chunk)
                for result in analyzer.analyze(chunk):
                    now = result.enriched.enriched_at
                    _, published = alerting.process(result, analyzer.rules, analyzer.models, now)
                    for alert in published:
                        s = stats[alert.rule_id]
                        s.articles += 1
                        if alert.id not in s.stories and len(s.examples) < examples:
                            s.examples.append(_example(alert))
                        s.stories.add(alert.id)
                bar.update(len(chunk))
                chunk = []
    return stats, total


def backtest(
    rules_path: Path,
    file: Path | None,
    from_topic: bool,
    limit: int,
    examples: int,
    fmt: str = "table",
) -> int:
    settings = EnrichSettings()
    try:
        analyzer = Analyzer.load(
            settings.enrich_spacy_model,
            rules_path,
            settings.sentiment_method,
            settings.actors_paths,
            entities=settings.entities_method,
        )
    except rules_mod.RuleError as exc:
        print(f"wirewatch rules test: {exc}", file=sys.stderr)
        return 2
    skipped: list[int] = []
    try:
        source = (
            _from_topic(settings, limit)
            if from_topic
            else _from_file(file or Path("-"), limit, skipped)
        )
        stats, total = _run(
            analyzer, source, _known_total(source, file, from_topic, limit), examples
        )
    except InvalidArticles as exc:  # a .json file: one article or an array, all or nothing
        print(f"wirewatch rules test: {exc}", file=sys.stderr)
        return 2
    if skipped and not total:
        print(f"wirewatch rules test: no valid article in {file}", file=sys.stderr)
        return 1
    if fmt == "json":
        json_lines(
            {"rule": r.id, "severity": r.severity, "articles": stats[r.id].articles,
             "stories": len(stats[r.id].stories), "examples": stats[r.id].examples,
             "of_articles": total, "skipped_lines": len(skipped),
             "rules_version": analyzer.rules.version}
            for r in analyzer.rules.rules
        )  # fmt: skip
    else:
        _report(analyzer, stats, total, len(skipped))
    return 0


def _report(analyzer: Analyzer, stats: dict[str, RuleStats], total: int, skipped: int) -> None:
    passed = f" ({skipped} invalid lines passed over, named above)" if skipped else ""
    print(f"rules version {analyzer.rules.version}, {total} articles{passed}, nothing published")
    print(f"{'rule':<28}{'severity':<10}{'articles':>9}{'stories':>9}")
    for rule in analyzer.rules.rules:
        s = stats[rule.id]
        print(f"{rule.id:<28}{rule.severity:<10}{s.articles:>9}{len(s.stories):>9}")
        for line in s.examples:
            print(f"    - {line[:300]}")
