"""POST /v1/analyze: text in, the enriched article out, by the enrich service's own code."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request

from wirewatch.api.responses import AnalyzeRequest, AnalyzeResponse, TargetSentiment, TargetSpan
from wirewatch.api.security import require
from wirewatch.api.state import state_of
from wirewatch.core.analysis.pipeline import Analysis, Analyzer
from wirewatch.core.analysis.sentiment import methods as sentiment
from wirewatch.core.analysis.sentiment.targets import Target
from wirewatch.core.articles import EmptyText, prepare
from wirewatch.core.http import json_only
from wirewatch.core.models import ArticleIn

router = APIRouter(prefix="/v1", tags=["analysis"])
Writer = Annotated[str, Depends(require("write"))]


def _targets(
    result: Analysis, spans: list[TargetSpan], method: sentiment.SentimentMethod, length: int
) -> list[TargetSentiment]:
    """Each span inside the text scored like an actor mention; the others get an error."""
    inside = [s for s in spans if s.start < s.end <= length]
    scored = iter(_scored(result, inside, method))
    why = f"need start < end <= len(text) ({length})"
    return [
        next(scored) if s.start < s.end <= length
        else TargetSentiment(start=s.start, end=s.end, error=why)
        for s in spans
    ]  # fmt: skip


def _scored(
    result: Analysis, spans: list[TargetSpan], method: sentiment.SentimentMethod
) -> list[TargetSentiment]:
    """In the sentence that contains each span, as an actor mention is scored."""
    body = result.doc.text  # the article body as the rule engine parsed it (a FieldDoc)
    targets = []
    for span in spans:
        sentence = body.sentence_span(body.sentence_at(span.start))
        # A span that runs past its sentence is cut there; one outside any sentence
        # (whitespace between them) is scored in the whole text.
        start, end = max(span.start, sentence.start), min(span.end, sentence.end)
        if start < end:
            targets.append(Target(sentence.text, start - sentence.start, end - sentence.start))
        else:
            targets.append(Target(body.doc.text, span.start, span.end))
    return [
        TargetSentiment(start=span.start, end=span.end, label=p.label, score=p.score)
        for span, p in zip(spans, method.score(targets), strict=True)
    ]


@router.post(
    "/analyze",
    response_model=AnalyzeResponse,
    responses={415: {}, 422: {}, 503: {}},
    dependencies=[Depends(json_only)],
)
async def analyze(request: Request, _: Writer, body: AnalyzeRequest) -> AnalyzeResponse:
    """Enrich one article synchronously; `targets` (character spans) get their sentiment too.

    Nothing is published: the alerts are those the current rules would raise.
    """
    state = state_of(request)
    analyzer: Analyzer | None = state.analyzer
    if analyzer is None:
        raise HTTPException(503, "analysis is disabled or still loading", {"Retry-After": "5"})
    try:
        article = prepare(
            ArticleIn(
                text=body.text,
                title=body.title,
                url=body.url,
                source=body.source,
                published_at=body.published_at,
            )
        )
    except EmptyText as exc:
        # Whitespace or control characters only: nothing to analyse is the caller's error.
        raise HTTPException(422, f"text: {exc}") from exc
    async with state.analyze_slots:
        [result] = await asyncio.to_thread(analyzer.analyze, [article])
    return AnalyzeResponse(
        article=result.enriched,
        alerts=result.alerts,
        targets=_targets(result, body.targets, analyzer.sentiment, len(body.text)),
    )
