"""Actors and mentions of an enriched article: target sentiment per sentence, salience."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wirewatch.core.analysis import quotes as quotes_mod
from wirewatch.core.analysis.entities import actors as actor_mod
from wirewatch.core.analysis.entities.aliases import Match, alias_key
from wirewatch.core.analysis.sentiment import methods as sentiment
from wirewatch.core.analysis.sentiment.targets import Prediction, Target
from wirewatch.core.models import (
    Actor,
    ActorCandidate,
    ActorSentiment,
    Evidence,
    Mention,
    MentionSentiment,
    Offsets,
    Quote,
    Span,
    Stance,
)


def _sentence_bounds(doc: Any, start: int, end: int) -> tuple[int, int]:
    """The stripped sentence around a mention (widened if the mention crosses its end)."""
    span = doc.char_span(start, end, alignment_mode="expand")
    sent = span.sent if span is not None else doc[:].sent
    text = sent.text
    first = sent.start_char + (len(text) - len(text.lstrip()))
    last = sent.start_char + len(text.rstrip())
    return min(first, start), max(last, end)


@dataclass(frozen=True)
class ScoredActors:
    actors: list[Actor]
    mentions: list[Mention]
    by_mention: dict[tuple[str, int], sentiment.Scored]  # (actor id, mention start) -> score


def score_actors(
    doc: Any,
    title: str | None,
    resolved: list[tuple[actor_mod.ResolvedActor, Match]],
    method: sentiment.SentimentMethod,
) -> ScoredActors:
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
    by_mention: dict[tuple[str, int], sentiment.Scored] = {}
    most = max((len(a.mentions) for a, _ in resolved), default=1)
    title_key = f" {alias_key(title)} " if title else ""
    for (actor, match), targets_of in zip(resolved, where, strict=True):
        for m, t in zip(actor.mentions, targets_of, strict=True):
            mentions.append(_mention(text, m, actor.id, scored[t], predictions[t]))
            by_mention[actor.id, m.start] = scored[t]
        found = _actor(text, actor, [scored[t] for t in targets_of], method.band, match)
        actors.append(
            found.model_copy(update={"salience": salience(actor, len(text), most, title_key)})
        )
    mentions.sort(key=lambda m: m.start)
    return ScoredActors(actors, mentions, by_mention)


def quotes_and_stances(
    doc: Any, scored: ScoredActors, band: float
) -> tuple[list[Quote], list[Stance]]:
    """The article's quotes, and per (speaker, actor named) the sentiment of the quoted words
    toward the actor: the scores of the actor's mentions inside the quotes, weighted."""
    text = doc.text
    refs = [
        quotes_mod.ActorRef(a.id, a.name, a.type, tuple((m.start, m.end) for m in a.mentions))
        for a in scored.actors
    ]
    found = quotes_mod.find_quotes(doc, refs)
    quotes: list[Quote] = []
    pairs: dict[tuple[str, str], tuple[list[int], list[sentiment.Scored]]] = {}
    for n, q in enumerate(found):
        quotes.append(_quote(text, q))
        if q.speaker is None:
            continue
        for actor, start, _ in q.targets:
            s = scored.by_mention[actor.id, start]
            # The evidence is the quoted part of the sentence that carries the score.
            first, last = max(s.start, q.start), min(s.end, q.end)
            indexes, pieces = pairs.setdefault((q.speaker.id, actor.id), ([], []))
            if n not in indexes:
                indexes.append(n)
            pieces.append(sentiment.Scored(first, last, s.score, s.confidence))
    names = {a.id: a.name for a in scored.actors}
    stances = []
    for (speaker, target), (indexes, pieces) in pairs.items():
        score, evidence = sentiment.aggregate(pieces)
        stances.append(
            Stance(
                speaker_id=speaker,
                speaker=names[speaker],
                target_id=target,
                target=names[target],
                score=score,
                label=sentiment.label(score, band),
                quotes=indexes,
                evidence=[
                    Evidence(start=e.start, end=e.end, text=text[e.start : e.end], score=e.score)
                    for e in evidence
                ],
            )
        )
    return quotes, stances


def _quote(text: str, q: quotes_mod.FoundQuote) -> Quote:
    cue = None
    if q.cue is not None:
        cue = Span(start=q.cue[0], end=q.cue[1], text=text[q.cue[0] : q.cue[1]])
    return Quote(
        start=q.start,
        end=q.end,
        text=text[q.start : q.end],
        kind=q.kind,
        speaker_id=q.speaker.id if q.speaker else None,
        speaker=q.speaker.name if q.speaker else None,
        attribution=q.attribution,
        cue=cue,
        target_ids=list(dict.fromkeys(a.id for a, _, _ in q.targets)),
    )


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
    named = any(f" {alias_key(form)} " in title_key for form in actor.surface_forms)
    return round(0.5 * share + 0.3 * early + 0.2 * named, 3)
