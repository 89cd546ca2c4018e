"""Throughput of `wirewatch analyze` next to raw spaCy `nlp.pipe` on the same texts."""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from services.core.analysis.pipeline import Analyzer
from services.core.articles import iter_jsonl, validate
from services.core.models import RawArticle
from services.tools.analyze import CHUNK

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "wikinews" / "articles.jsonl"
FALLBACK = REPO / "services" / "data" / "samples" / "wikinews-demo.jsonl"


def _load(path: Path, limit: int) -> list[RawArticle]:
    items = [item for _, item in iter_jsonl(path) if not isinstance(item, Exception)]
    return validate(items[:limit] if limit else items)


def _raw_pipe(analyzer: Analyzer, articles: list[RawArticle]) -> float:
    started = time.perf_counter()
    for _ in analyzer.nlp.pipe((a.text for a in articles), batch_size=analyzer.batch_size):
        pass
    return time.perf_counter() - started


def _analyze(analyzer: Analyzer, articles: list[RawArticle]) -> float:
    """What `wirewatch analyze` does per chunk: analysis plus JSON serialisation."""
    started = time.perf_counter()
    for i in range(0, len(articles), CHUNK):
        for result in analyzer.analyze(articles[i : i + CHUNK]):
            result.enriched.model_dump_json()
            for alert in result.alerts:
                alert.model_dump_json()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=CORPUS if CORPUS.exists() else FALLBACK)
    parser.add_argument("--limit", type=int, default=0, help="first N articles (0: all)")
    args = parser.parse_args()
    articles = _load(args.file, args.limit)
    words = sum(len(a.text.split()) for a in articles)
    analyzer = Analyzer.load()
    analyzer.analyze(articles[:8])  # warm-up: first calls allocate and fill caches
    raw_s = _raw_pipe(analyzer, articles)
    full_s = _analyze(analyzer, articles)
    n = len(articles)
    print(f"corpus      {args.file} ({n} articles, {words:,} words)")
    print(f"machine     {platform.machine()}, Python {platform.python_version()}, one process")
    print(f"nlp.pipe    {n / raw_s:8.1f} articles/s  ({words / raw_s:,.0f} words/s, {raw_s:.1f} s)")
    print(
        f"analyze     {n / full_s:8.1f} articles/s  ({words / full_s:,.0f} words/s, {full_s:.1f} s)"
    )
    print(f"ratio       {raw_s / full_s:8.2f}  (analyze throughput / raw nlp.pipe throughput)")


if __name__ == "__main__":
    main()
