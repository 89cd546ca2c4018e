"""Actors and mentions of an enriched article: target sentiment per sentence, salience."""

from __future__ import annotations

from typing import Any

from services.core.analysis import actors as actor_mod
from services.core.analysis import sentiment
from services.core.analysis.aliases import Match, normalise
from services.core.analysis.targets import Prediction, Target
from services.core.models import (
    Actor,
    ActorCandidate,
    ActorSentiment,
    Evidence,
    Mention,
    MentionSentiment,
    Offsets,
    Span,
)


def _sentence_bounds(doc: Any, start: int, end: int) -> tuple[int, int]:
    """The stripped sentence around a mention (widened if the mention crosses its end)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    sent = span.sent if span is not None else doc[:].sent
    text = sent.text
    first = sent.start_char + (len(text) - len(text.lstrip()))
    last = sent.start_char + len(text.rstrip())
    return min(first, start), max(last, end)


def score_actors(
    doc: Any,
    title: str | None,
    resolved: list[tuple[actor_mod.ResolvedActor, Match]],
    method: sentiment.SentimentMethod,
) -> tuple[list[Actor], list[Mention]]:
    """The enriched actors and mentions; each actor scored once per sentence that names it
    (as the target of its first mention there), the article-level score their weighted mean."""
    text = doc.text
    index: dict[tuple[int, int], int] = {}  # (actor, sentence start) -> target
    targets: list[Target] = []
    spans: list[tuple[int, int]] = []
    where: list[list[int]] = []  # per actor, per mention: its target
    for n, (actor, _) in enumerate(resolved):
        where.append([])
        for m in actor.mentions:
            first, last = _sentence_bounds(doc, m.start, m.end)
            if (n, first) not in index:
                index[n, first] = len(targets)
                targets.append(Target(text[first:last], m.start - first, m.end - first))
                spans.append((first, last))
            where[-1].append(index[n, first])
    predictions = method.score(targets)
    scored = [
        sentiment.Scored(a, b, p.score, p.confidence)
        for (a, b), p in zip(spans, predictions, strict=True)
    ]
    actors: list[Actor] = []
    mentions: list[Mention] = []
    most = max((len(a.mentions) for a, _ in resolved), default=1)
    title_key = f" {normalise(title)} " if title else ""
    for (actor, match), targets_of in zip(resolved, where, strict=True):
        for m, t in zip(actor.mentions, targets_of, strict=True):
            mentions.append(_mention(text, m, actor.id, scored[t], predictions[t]))
        found = _actor(text, actor, [scored[t] for t in targets_of], method.band, match)
        actors.append(
            found.model_copy(update={"salience": salience(actor, len(text), most, title_key)})
        )
    mentions.sort(key=lambda m: m.start)
    return actors, mentions


def _actor(
    text: str,
    actor: actor_mod.ResolvedActor,
    scored: list[sentiment.Scored],
    band: float,
    match: Match,
) -> Actor:
    score, evidence = sentiment.aggregate(scored)
    known = match.actor
    return Actor(
        id=actor.id,
        name=actor.name,
        type=actor.type,
        match="article" if known is None else "fuzzy" if match.how == "fuzzy" else "alias",
        wikidata=known.wikidata if known is not None else None,
        candidates=[
            ActorCandidate(id=c.actor.id, name=c.actor.name, score=c.score)
            for c in match.candidates
        ],
        mention_count=len(actor.mentions),
        surface_forms=actor.surface_forms,
        mentions=[Offsets(start=m.start, end=m.end) for m in actor.mentions],
        sentiment=ActorSentiment(
            score=score,
            label=sentiment.label(score, band),
            evidence=[
                Evidence(start=s.start, end=s.end, text=text[s.start : s.end], score=s.score)
                for s in evidence
            ],
        ),
    )


def _mention(
    text: str,
    m: actor_mod.RawMention,
    actor_id: str,
    sent: sentiment.Scored,
    prediction: Prediction,
) -> Mention:
    return Mention(
        start=m.start,
        end=m.end,
        text=m.text,
        label=m.label,
        actor_id=actor_id,
        sentiment=MentionSentiment(
            score=sent.score,
            label=prediction.label,
            evidence=Span(start=sent.start, end=sent.end, text=text[sent.start : sent.end]),
        ),
    )


def salience(actor: actor_mod.ResolvedActor, length: int, most: int, title_key: str) -> float:
    """How central the actor is to the article, in [0, 1]: half its mentions against the
    most mentioned actor's, 0.3 how early it first appears, 0.2 whether the title names it."""
    share = len(actor.mentions) / max(most, 1)
    early = 1 - actor.mentions[0].start / max(length, 1)
    named = any(f" {normalise(form)} " in title_key for form in actor.surface_forms)
    return round(0.5 * share + 0.3 * early + 0.2 * named, 3)
