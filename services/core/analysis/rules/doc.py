"""What rules look at: the title and text tokens (forms, sentences) and the article's actors."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from wirewatch.core.models import Actor, Mention, Span, TermMatch

Field = Literal["title", "text"]


def forms(token: Any) -> tuple[str, str]:
    """The two forms a rule word may match: the token's text and its lemma, lower case."""
    return token.lower_, token.lemma_.lower()


@dataclass
class FieldDoc:
    """One field's tokens with an index from word form to token positions."""

    name: Field
    doc: Any
    index: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    sent_of: list[int] = field(default_factory=list)
    sent_bounds: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def build(cls, name: Field, doc: Any) -> FieldDoc:
        fd = cls(name, doc)
        sents = list(doc.sents) if doc.has_annotation("SENT_START") else [doc[:]]
        for number, sent in enumerate(sents):
            fd.sent_bounds.append((sent.start_char, sent.end_char))
            fd.sent_of.extend([number] * len(sent))
        for i, token in enumerate(doc):
            for form in set(forms(token)):
                fd.index[form].append(i)
        return fd

    def sentence_at(self, char: int) -> int:
        starts = [s for s, _ in self.sent_bounds]
        return max(bisect.bisect_right(starts, char) - 1, 0)

    def sentence_span(self, number: int) -> Span:
        start, end = self.sent_bounds[number]
        text = self.doc.text[start:end]
        stripped = text.strip()
        start += len(text) - len(text.lstrip())
        return Span(start=start, end=start + len(stripped), text=stripped)


@dataclass(frozen=True)
class Hit:
    """A matched stretch of tokens: where it is and the match to report."""

    field: Field
    start: int  # token index, inclusive
    end: int  # token index, exclusive
    sentence: int
    match: TermMatch


@dataclass
class MatchDoc:
    """An analysed article as the rule engine sees it."""

    title: FieldDoc
    text: FieldDoc
    actors: list[Actor]
    mentions: list[Mention]
    source: str | None = None
    language: str | None = None
    mention_sentences: dict[str, set[int]] = field(default_factory=dict)
    _relevance: dict[str, float] | None = None

    def relevance(self) -> dict[str, float]:
        """The relevance model's probability per desk, computed once, when a rule asks."""
        if self._relevance is None:
            from wirewatch.core.analysis import relevance  # the encoder only where used

            self._relevance = relevance.shared().scores(self)
        return self._relevance

    @classmethod
    def build(
        cls,
        title_doc: Any,
        body_doc: Any,
        actors: list[Actor],
        mentions: list[Mention],
        source: str | None = None,
        language: str | None = None,
    ) -> MatchDoc:
        """From the spaCy docs of the title and of the body (the rules' `text` field)."""
        body = FieldDoc.build("text", body_doc)
        sentences: dict[str, set[int]] = defaultdict(set)
        for m in mentions:
            sentences[m.actor_id].add(body.sentence_at(m.start))
        title = FieldDoc.build("title", title_doc)
        return cls(title, body, actors, mentions, source, language, dict(sentences))

    def mention_hits(self, actor_id: str) -> list[Hit]:
        """The actor's mentions as hits, so proximity and explanations can use them."""
        hits = []
        for m in self.mentions:
            if m.actor_id != actor_id:
                continue
            span = self.text.doc.char_span(m.start, m.end, alignment_mode="expand")
            if span is None:
                continue
            sentence = self.text.sentence_at(m.start)
            match = TermMatch(
                term=f"actor:{actor_id}",
                text=m.text,
                field="text",
                start=m.start,
                end=m.end,
                sentence=self.text.sentence_span(sentence),
            )
            hits.append(Hit("text", span.start, span.end, sentence, match))
        return hits
