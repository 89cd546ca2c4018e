"""The rule engine's conditions: terms, groups, weights, proximity and actors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from wirewatch.core.analysis.entities.actors import name_key
from wirewatch.core.analysis.rules.doc import Field, FieldDoc, Hit, MatchDoc, forms
from wirewatch.core.models import Actor, TermMatch


@dataclass(frozen=True)
class Scope:
    """Which fields a rule reads; `lead` keeps only the text's first sentences."""

    fields: tuple[Field, ...] = ("title", "text")
    lead: int | None = None


@dataclass
class Context:
    doc: MatchDoc
    scope: Scope
    # Sentences holding a match of the rule's terms: an actor's "role" is to be in one.
    term_sentences: set[tuple[Field, int]] = field(default_factory=set)


@dataclass
class Outcome:
    ok: bool
    hits: list[Hit] = field(default_factory=list)
    clauses: list[str] = field(default_factory=list)
    actors: list[str] = field(default_factory=list)  # ids of actors that satisfied conditions


class Node(Protocol):
    def evaluate(self, ctx: Context) -> Outcome: ...

    def term_hits(self, ctx: Context) -> list[Hit]:
        """Hits of the terms that count in favour of the rule (not those under `none`)."""
        ...


# Named-entity types whose capitalised words are names, not the common word a rule means:
# "Shell" the company is no shell, "Coup" in a film title no coup.
NAME_TYPES = frozenset(
    {"ORG", "PERSON", "WORK_OF_ART", "PRODUCT", "FAC", "LAW", "NORP", "GPE", "LOC", "EVENT"}
)


def _is_name(token: Any) -> bool:
    return bool(token.ent_type_ in NAME_TYPES and token.text[:1].isupper())


@dataclass(frozen=True)
class Word:
    """One word of a term: its forms (text or lemma), only its text (`=word`), or a prefix
    (`word*`)."""

    forms: frozenset[str] = frozenset()
    prefix: str | None = None
    exact: bool = False  # `=sanctions`: the text itself, not every form of its lemma

    def accepts(self, token_forms: tuple[str, str]) -> bool:
        if self.prefix is not None:
            return any(f.startswith(self.prefix) for f in token_forms)
        if self.exact:
            return token_forms[0] in self.forms
        return bool(self.forms.intersection(token_forms))


@dataclass(frozen=True)
class Term:
    text: str
    words: tuple[Word, ...]
    # A term written in lower case means the common word: it does not match inside a name
    # the entity recogniser found (only the text field has entities).
    common: bool = False

    def find(self, fd: FieldDoc, lead: int | None) -> list[Hit]:
        first = self.words[0]
        if first.prefix is not None:
            starts = {i for f, idx in fd.index.items() if f.startswith(first.prefix) for i in idx}
        else:
            starts = {i for f in first.forms for i in fd.index.get(f, ())}
        hits = []
        for i in sorted(starts):
            end = i + len(self.words)
            if end > len(fd.doc) or (lead is not None and fd.sent_of[i] >= lead):
                continue
            if not all(w.accepts(forms(fd.doc[i + k])) for k, w in enumerate(self.words)):
                continue
            if self.common and any(_is_name(t) for t in fd.doc[i:end]):
                continue
            hits.append(self._hit(fd, i, end))
        return hits

    def _hit(self, fd: FieldDoc, start: int, end: int) -> Hit:
        span = fd.doc[start:end]
        sentence = fd.sent_of[start]
        match = TermMatch(
            term=self.text,
            text=span.text,
            field=fd.name,
            start=span.start_char,
            end=span.end_char,
            sentence=fd.sentence_span(sentence),
        )
        return Hit(fd.name, start, end, sentence, match)


def _fields(ctx: Context) -> list[tuple[FieldDoc, int | None]]:
    docs = {"title": ctx.doc.title, "text": ctx.doc.text}
    return [(docs[f], ctx.scope.lead if f == "text" else None) for f in ctx.scope.fields]


@dataclass(frozen=True)
class TermNode:
    term: Term

    def evaluate(self, ctx: Context) -> Outcome:
        hits = self.term_hits(ctx)
        if not hits:
            return Outcome(False)
        return Outcome(True, hits, [f"term {self.term.text!r} x{len(hits)}"])

    def term_hits(self, ctx: Context) -> list[Hit]:
        return [h for fd, lead in _fields(ctx) for h in self.term.find(fd, lead)]


def _merge(outcomes: list[Outcome], ok: bool) -> Outcome:
    good = [o for o in outcomes if o.ok]
    return Outcome(
        ok,
        [h for o in good for h in o.hits] if ok else [],
        [c for o in good for c in o.clauses] if ok else [],
        [a for o in good for a in o.actors] if ok else [],
    )


@dataclass(frozen=True)
class AnyNode:
    children: tuple[Node, ...]

    def evaluate(self, ctx: Context) -> Outcome:
        outcomes = [c.evaluate(ctx) for c in self.children]
        return _merge(outcomes, any(o.ok for o in outcomes))

    def term_hits(self, ctx: Context) -> list[Hit]:
        return [h for c in self.children for h in c.term_hits(ctx)]


@dataclass(frozen=True)
class AllNode(AnyNode):
    def evaluate(self, ctx: Context) -> Outcome:
        outcomes = []
        for child in self.children:  # stop at the first failure: later children may be costly
            outcomes.append(child.evaluate(ctx))
            if not outcomes[-1].ok:
                return Outcome(False)
        return _merge(outcomes, True)


@dataclass(frozen=True)
class NoneNode:
    children: tuple[Node, ...]

    def evaluate(self, ctx: Context) -> Outcome:
        if any(c.evaluate(ctx).ok for c in self.children):
            return Outcome(False)
        return Outcome(True)  # an alert explains what matched, not what did not

    def term_hits(self, ctx: Context) -> list[Hit]:
        return []  # excluded terms never support the rule


@dataclass(frozen=True)
class WeightedNode:
    terms: tuple[tuple[Term, float], ...]
    threshold: float
    per_occurrence: bool = False

    def evaluate(self, ctx: Context) -> Outcome:
        score, hits, parts = 0.0, [], []
        for term, weight in self.terms:
            found = TermNode(term).term_hits(ctx)
            if found:
                score += weight * (len(found) if self.per_occurrence else 1)
                hits.extend(found)
                parts.append(
                    f"{term.text}={weight:g}" + (f"x{len(found)}" if self.per_occurrence else "")
                )
        if score < self.threshold:
            return Outcome(False)
        return Outcome(
            True, hits, [f"weighted {score:g} >= {self.threshold:g} ({', '.join(parts)})"]
        )

    def term_hits(self, ctx: Context) -> list[Hit]:
        return [h for term, _ in self.terms for h in TermNode(term).term_hits(ctx)]


def _apart(a: Hit, b: Hit) -> bool:
    """Two matches of different words: one word matching both sides is not "near" itself."""
    return a.field != b.field or a.end <= b.start or b.end <= a.start


@dataclass(frozen=True)
class NearNode:
    """Two conditions whose matches lie within N words, or in the same sentence."""

    left: Node
    right: Node
    within: int | None = None
    same_sentence: bool = False

    def _close(self, a: Hit, b: Hit) -> bool:
        if a.field != b.field:
            return False
        if self.same_sentence:
            return a.sentence == b.sentence
        gap = max(a.start, b.start) - min(a.end, b.end)
        return gap <= (self.within or 0)

    def evaluate(self, ctx: Context) -> Outcome:
        left, right = self.left.evaluate(ctx), self.right.evaluate(ctx)
        if not (left.ok and right.ok):
            return Outcome(False)
        pairs = [
            (a, b) for a in left.hits for b in right.hits if _apart(a, b) and self._close(a, b)
        ]
        if not pairs:
            return Outcome(False)
        hits = list({id(h): h for pair in pairs for h in pair}.values())
        how = "in the same sentence" if self.same_sentence else f"within {self.within} words"
        clause = f"({'; '.join(left.clauses)}) {how} of ({'; '.join(right.clauses)})"
        return Outcome(True, hits, [clause], left.actors + right.actors)

    def term_hits(self, ctx: Context) -> list[Hit]:
        return self.left.term_hits(ctx) + self.right.term_hits(ctx)


@dataclass(frozen=True)
class ActorSelector:
    """Which actors a condition is about: by names/aliases, type, or any actor."""

    keys: frozenset[tuple[str, ...]] = frozenset()
    type: str | None = None
    label: str = "any actor"

    def accepts(self, actor: Actor) -> bool:
        if self.type is not None and actor.type != self.type:
            return False
        if not self.keys:
            return True
        names = [actor.name, *actor.surface_forms]
        return any(name_key(n) in self.keys for n in names) or (actor.id,) in self.keys


@dataclass(frozen=True)
class ActorNode:
    selector: ActorSelector
    same_sentence: bool = False
    below: float | None = None
    above: float | None = None

    def _wanted(self, actor: Actor, ctx: Context) -> bool:
        score = actor.sentiment.score
        if self.below is not None and not score < self.below:
            return False
        if self.above is not None and not score > self.above:
            return False
        if self.same_sentence:
            sentences = ctx.doc.mention_sentences.get(actor.id, set())
            return any(("text", s) in ctx.term_sentences for s in sentences)
        return True

    def evaluate(self, ctx: Context) -> Outcome:
        found = [a for a in ctx.doc.actors if self.selector.accepts(a) and self._wanted(a, ctx)]
        if not found:
            return Outcome(False)
        clauses = [
            f"actor {a.name} ({a.type}, sentiment {a.sentiment.score:+.2f}){self._why()}"
            for a in found
        ]
        hits = [h for a in found for h in ctx.doc.mention_hits(a.id)]
        return Outcome(True, hits, clauses, [a.id for a in found])

    def _why(self) -> str:
        parts = []
        if self.below is not None:
            parts.append(f"< {self.below:g}")
        if self.above is not None:
            parts.append(f"> {self.above:g}")
        if self.same_sentence:
            parts.append("in a sentence with the matched terms")
        return f" {' and '.join(parts)}" if parts else ""

    def term_hits(self, ctx: Context) -> list[Hit]:
        return []


@dataclass(frozen=True)
class RelevanceNode:
    """The relevance model says the lead reports an event of the desk's kind."""

    desk: str
    above: float

    def evaluate(self, ctx: Context) -> Outcome:
        score = ctx.doc.relevance().get(self.desk, 0.0)
        if not score >= self.above:
            return Outcome(False)
        return Outcome(True, clauses=[f"relevance {self.desk} {score:.2f} >= {self.above:g}"])

    def term_hits(self, ctx: Context) -> list[Hit]:
        return []
