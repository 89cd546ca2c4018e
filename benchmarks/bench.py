"""Throughput of `wirewatch analyze` next to raw spaCy `nlp.pipe` on the same texts, with
the trained sentiment model and with the VADER lexicon, and the model's own speed."""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path

from wirewatch.core.analysis.entities.tagger import DEFAULT_ENTITIES, OTHER
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.analysis.sentiment import methods as sentiment
from wirewatch.core.analysis.sentiment.model import TargetModel
from wirewatch.core.analysis.sentiment.targets import Prediction, Target
from wirewatch.core.articles import iter_jsonl, validate
from wirewatch.core.models import RawArticle
from wirewatch.tools.analyze import CHUNK

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


def _analyze(analyzer: Analyzer, articles: list[RawArticle], timings: dict[str, float]) -> float:
    """What `wirewatch analyze` does per chunk: analysis plus JSON serialisation."""
    started = time.perf_counter()
    for i in range(0, len(articles), CHUNK):
        for result in analyzer.analyze(articles[i : i + CHUNK], timings=timings):
            result.enriched.model_dump_json()
            for alert in result.alerts:
                alert.model_dump_json()
    return time.perf_counter() - started


def _model_speed(articles: list[RawArticle], analyzer: Analyzer) -> tuple[int, float]:
    """Targets the model scores for these articles, and its targets/s on one thread."""
    targets: list[Target] = []

    def collect(batch: Sequence[Target]) -> list[Prediction]:
        targets.extend(batch)
        return [Prediction("neutral", 0.0, 1.0) for _ in batch]

    scoring = sentiment.SentimentMethod("collect", collect, 0.0)
    Analyzer(analyzer.nlp, analyzer.rules, method=scoring).analyze(articles)
    model = TargetModel(threads=1)
    started = time.perf_counter()
    model.predict(targets)
    return len(targets), len(targets) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--file", type=Path, default=CORPUS if CORPUS.exists() else FALLBACK)
    parser.add_argument("--limit", type=int, default=0, help="first N articles (0: all)")
    args = parser.parse_args()
    articles = _load(args.file, args.limit)
    words = sum(len(a.text.split()) for a in articles)
    n = len(articles)
    print(f"corpus      {args.file} ({n} articles, {words:,} words)")
    print(
        f"machine     {platform.machine()}, Python {platform.python_version()}, "
        f"one process, {os.cpu_count()} cores"
    )
    # Two stages (the default) use two cores; one stage shows the cost on one core.
    analyzers = {
        "model": Analyzer.load(),
        "model, one stage": Analyzer.load(overlap=0),
        "vader": Analyzer.load(method="vader"),
        # The other way to find names, beside the default one.
        f"model, entities={OTHER[DEFAULT_ENTITIES]}": Analyzer.load(
            entities=OTHER[DEFAULT_ENTITIES]
        ),
    }
    for analyzer in analyzers.values():
        analyzer.analyze(articles[:8])  # warm-up: first calls allocate and fill caches
    raw_s = _raw_pipe(analyzers["model"], articles)
    print(f"nlp.pipe    {n / raw_s:8.1f} articles/s  ({words / raw_s:,.0f} words/s, {raw_s:.1f} s)")
    for name, analyzer in analyzers.items():
        timings: dict[str, float] = {}
        full_s = _analyze(analyzer, articles, timings)
        stages = ", ".join(f"{k} {v / n * 1000:.1f}" for k, v in timings.items())
        print(
            f"analyze     {n / full_s:8.1f} articles/s  ({words / full_s:,.0f} words/s, "
            f"{full_s:.1f} s) {name}"
        )
        print(f"  ratio     {raw_s / full_s:8.2f}  (analyze / raw nlp.pipe throughput)")
        print(f"  stages    ms/article: {stages}")
    count, speed = _model_speed(articles[: min(n, 300)], analyzers["model"])
    print(f"model       {speed:8.1f} targets/s, one thread ({count} targets, first 300 articles)")


if __name__ == "__main__":
    main()
