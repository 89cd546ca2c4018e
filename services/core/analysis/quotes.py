"""Who said what about whom: direct and reported quotes, their speakers, and the stance of
each speaker toward the actors named in what they said."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SPEECH_VERBS = frozenset(
    (
        "say",
        "add",
        "tell",
        "state",
        "explain",
        "confirm",
        "announce",
        "declare",
        "claim",
        "insist",
        "stress",
        "note",
        "warn",
        "accuse",
        "deny",
        "argue",
        "reply",
        "respond",
        "write",
        "urge",
        "assert",
        "affirm",
        "acknowledge",
        "admit",
        "allege",
        "charge",
        "complain",
        "comment",
        "concede",
        "contend",
        "emphasise",
        "emphasize",
        "maintain",
        "mention",
        "observe",
        "point",
        "promise",
        "remark",
        "report",
        "reveal",
        "suggest",
        "vow",
        "threaten",
    )
)
_OPENERS = {"“": "”", "«": "»", '"': '"'}
_PARAGRAPH = re.compile(r"\n\s*\n")
MIN_QUOTE_WORDS = 3  # shorter quoted strings are titles or scare quotes
PRONOUNS = {"he": "person", "she": "person", "they": "any", "it": "organisation"}


@dataclass(frozen=True)
class ActorRef:
    """An actor as the quote finder sees it: id, name, type and mention offsets."""

    id: str
    name: str
    type: str
    mentions: tuple[tuple[int, int], ...]


@dataclass
class FoundQuote:
    start: int
    end: int
    kind: str  # "direct" or "reported"
    speaker: ActorRef | None = None
    cue: tuple[int, int] | None = None  # the verb of saying (or "according to")
    attribution: str = "none"  # explicit, pronoun, according_to, continued, none
    targets: list[tuple[ActorRef, int, int]] = field(default_factory=list)


def direct_spans(text: str) -> list[tuple[int, int]]:
    """Content spans of quotations, curly or straight; a quotation that runs over a paragraph
    break continues when the next paragraph opens with a quotation mark (news convention)."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(text)
    while i < n:
        closer = _OPENERS.get(text[i])
        if closer is None:
            i += 1
            continue
        start = j = i + 1
        while j < n and text[j] != closer:
            if text.startswith("\n", j) and (m := _PARAGRAPH.match(text, j)):
                nxt = m.end()
                if nxt < n and text[nxt] in _OPENERS:
                    j = nxt + 1  # the quotation goes on in the next paragraph
                    continue
                break  # unclosed at the paragraph end: the quotation ends there
            j += 1
        if len(text[start:j].split()) >= MIN_QUOTE_WORDS:
            spans.append((start, j))
        i = j + 1
    return spans


def _actor_at(actors: Sequence[ActorRef], start: int, end: int) -> ActorRef | None:
    for actor in actors:
        if any(s < end and start < e for s, e in actor.mentions):
            return actor
    return None


def _subject_actor(actors: Sequence[ActorRef], head: Any, start: int, end: int) -> ActorRef | None:
    """The actor a subject phrase names: the one its head word is part of, else a person in
    it ("The Head of the Council, Fayez Al-Sarraj, said"), else the first named."""
    inside = [
        (s, a) for a in actors for s, e in a.mentions if start <= s and e <= end
    ]  # fmt: skip
    inside.sort(key=lambda p: p[0])
    for _, actor in inside:
        if any(s <= head.idx < e for s, e in actor.mentions):
            return actor
    people = [a for _, a in inside if a.type == "person"]
    if people:
        return people[0]
    return inside[0][1] if inside else None


def _subject(verb: Any) -> Any | None:
    """The verb's subject, or that of the verb it hangs from ("..., saying that")."""
    token = verb
    for _ in range(4):
        for child in token.children:
            if child.dep_ in ("nsubj", "nsubjpass"):
                return child
        if token.dep_ not in ("advcl", "conj", "xcomp", "ccomp") or token.head is token:
            return None
        token = token.head
    return None


class _Speakers:
    """Resolves a subject token to an actor; pronouns to the last speaker (news style: "he
    added" continues the previous speaker) or else the nearest compatible actor before."""

    def __init__(self, actors: Sequence[ActorRef]):
        self.actors = actors
        self.last: ActorRef | None = None

    def resolve(self, token: Any) -> tuple[ActorRef | None, str]:
        span = token.doc[token.left_edge.i : token.right_edge.i + 1]
        pronoun = PRONOUNS.get(token.lower_)
        if pronoun is None:
            found = _subject_actor(self.actors, token, span.start_char, span.end_char)
            return found, "explicit" if found else "none"
        if self.last is not None and _compatible(self.last, pronoun):
            return self.last, "pronoun"
        before = [
            (e, a) for a in self.actors if _compatible(a, pronoun)
            for s, e in a.mentions if e <= token.idx
        ]  # fmt: skip
        return (max(before, key=lambda p: p[0])[1], "pronoun") if before else (None, "none")


def _compatible(actor: ActorRef, pronoun: str) -> bool:
    if pronoun == "any":
        return True
    if pronoun == "organisation":
        return actor.type in ("organisation", "group", "place")
    return actor.type == pronoun


def _cue_for(doc: Any, start: int, end: int) -> Any | None:
    """A verb of saying next to a direct quotation: in its sentence(s), outside it."""
    first = doc.char_span(start, start + 1, alignment_mode="expand")
    last = doc.char_span(max(end - 1, start), end, alignment_mode="expand")
    if first is None or last is None:
        return None
    lo, hi = first.sent.start, last.sent.end
    # `“...” Al-Sarraj added.` may be parsed as a sentence of its own: look at the next
    # sentence when it follows in the same paragraph.
    if hi < len(doc) and doc[hi].idx - end < 60 and "\n" not in doc.text[end : doc[hi].idx]:
        hi = doc[hi].sent.end
    verbs = [
        t for t in doc[lo:hi]
        if t.lemma_ in SPEECH_VERBS and t.pos_ == "VERB" and not start <= t.idx < end
    ]  # fmt: skip
    # The closest verb to the quotation wins.
    return min(verbs, key=lambda t: min(abs(t.idx - start), abs(t.idx - end)), default=None)


def _according_to(doc: Any, actors: Sequence[ActorRef]) -> list[FoundQuote]:
    found = []
    for t in doc:
        if t.lower_ == "according" and t.i + 2 < len(doc) and doc[t.i + 1].lower_ == "to":
            obj = doc[t.i + 2]
            phrase = doc[obj.left_edge.i : obj.right_edge.i + 1]
            speaker = _actor_at(actors, phrase.start_char, phrase.end_char)
            sent = t.sent
            if speaker is None:
                continue
            # The rest of the sentence is what the source says.
            if t.i > sent.start:
                start, end = sent.start_char, t.idx
            else:
                start, end = phrase.end_char, sent.end_char
            found.append(
                FoundQuote(
                    start, end, "reported", speaker, (t.idx, phrase.end_char), "according_to"
                )
            )
    return found


def _reported(verb: Any, directs: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The clause a verb of saying reports ("X said that ..."), unless a quotation covers it."""
    clauses = [c for c in verb.children if c.dep_ == "ccomp"]
    if not clauses:
        return None
    doc = verb.doc
    clause = doc[clauses[0].left_edge.i : clauses[0].right_edge.i + 1]
    start, end = clause.start_char, clause.end_char
    if len(doc.text[start:end].split()) < MIN_QUOTE_WORDS:
        return None
    if any(s < end and start < e for s, e in directs):
        return None
    return start, end


def find_quotes(doc: Any, actors: Sequence[ActorRef]) -> list[FoundQuote]:
    """Direct and reported quotes in reading order, with speakers and the actors they name."""
    text = doc.text
    directs = direct_spans(text)
    cues = {span: _cue_for(doc, *span) for span in directs}
    claimed = {verb.i for verb in cues.values() if verb is not None}
    events: list[tuple[int, Any]] = [(s, (s, e)) for s, e in directs]
    events += [
        (t.idx, t) for t in doc
        if t.lemma_ in SPEECH_VERBS and t.pos_ == "VERB" and t.i not in claimed
    ]  # fmt: skip
    speakers = _Speakers(actors)
    quotes: list[FoundQuote] = []
    last_direct: FoundQuote | None = None
    for _, item in sorted(events, key=lambda e: e[0]):
        if isinstance(item, tuple):
            quote = _direct(item, cues[item], speakers, last_direct, text)
            last_direct = quote
        else:
            span = _reported(item, directs)
            subject = _subject(item) if span else None
            if span is None or subject is None:
                continue
            speaker, how = speakers.resolve(subject)
            if speaker is None:
                continue
            cue = (item.idx, item.idx + len(item.text))
            quote = FoundQuote(span[0], span[1], "reported", speaker, cue, how)
        if quote.speaker is not None:
            speakers.last = quote.speaker
        quotes.append(quote)
    quotes += _according_to(doc, actors)
    for quote in quotes:
        quote.targets = [
            (a, s, e) for a in actors if a is not quote.speaker
            for s, e in a.mentions if quote.start <= s and e <= quote.end
        ]  # fmt: skip
    return sorted(quotes, key=lambda q: q.start)


def _direct(
    span: tuple[int, int],
    verb: Any | None,
    speakers: _Speakers,
    last: FoundQuote | None,
    text: str,
) -> FoundQuote:
    quote = FoundQuote(span[0], span[1], "direct")
    subject = _subject(verb) if verb is not None else None
    if verb is not None:
        quote.cue = (verb.idx, verb.idx + len(verb.text))
    if subject is not None:
        quote.speaker, quote.attribution = speakers.resolve(subject)
    # An unattributed quotation right after another one goes on with the same speaker.
    after_last = last is not None and len(_PARAGRAPH.findall(text, last.end, span[0])) <= 1
    if quote.speaker is None and last is not None and last.speaker is not None and after_last:
        quote.speaker, quote.attribution = last.speaker, "continued"
    return quote
