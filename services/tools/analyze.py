"""`wirewatch analyze`: enriched articles as the enrich service publishes them, without Kafka."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from wirewatch.core.analysis.alerting import Alerting
from wirewatch.core.analysis.pipeline import Analyzer
from wirewatch.core.articles import InvalidArticles, read_file
from wirewatch.core.errors import InputError
from wirewatch.enrich.settings import EnrichSettings

CHUNK = 64


def analyze(path: Path | None, out: TextIO) -> int:
    """Read one JSON article or JSONL articles; write one enriched article per line."""
    text = sys.stdin.read() if path is None or str(path) == "-" else None
    try:
        articles = read_file(path, text)  # a missing file: the CLI's exit code 2
    except InvalidArticles as exc:
        raise InputError(str(exc)) from exc
    # The enrich service's settings choose the model and rules, so the output matches it.
    settings = EnrichSettings()
    analyzer = Analyzer.load(
        settings.enrich_spacy_model,
        settings.enrich_rules_path,
        settings.sentiment_method,
        settings.actors_paths,
        entities=settings.entities_method,
    )
    alerting = Alerting()  # as in the service: later copies of a story join its first alert
    for i in range(0, len(articles), CHUNK):
        for result in analyzer.analyze(articles[i : i + CHUNK]):
            now = result.enriched.enriched_at
            enriched, _ = alerting.process(result, analyzer.rules, analyzer.models, now)
            out.write(enriched.model_dump_json())
            out.write("\n")
    out.flush()
    return 0
