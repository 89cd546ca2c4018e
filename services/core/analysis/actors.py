"""Named entities resolved to canonical actors within one article."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from services.core.ids import actor_slug
from services.core.models import ActorType

ENTITY_TYPES: dict[str, ActorType] = {
    "PERSON": "person",
    "ORG": "organisation",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "NORP": "group",
}
# On a tie, the type with the most specific evidence wins.
TYPE_PRIORITY: tuple[ActorType, ...] = ("person", "organisation", "place", "group")
TITLES = (
    "field marshal", "marshal", "president", "vice president", "prime minister", "minister",
    "general", "gen.", "gen", "colonel", "col.", "mr.", "mr", "mrs.", "mrs", "ms.", "ms",
    "dr.", "dr", "king", "queen", "prince", "sheikh", "senator", "sen.", "governor", "gov.",
    "chancellor", "pope", "judge", "commander", "ambassador", "secretary-general", "mayor",
)  # fmt: skip
_TITLE_RE = re.compile(r"(?:the\s+)?(?:" + "|".join(re.escape(t) for t in TITLES) + r")\s+", re.I)
# "The" is cut too ("The Church of Scientology"), except where it is part of the name.
_LEADING = re.compile(r"(?:(?:the|The)\s+(?!Hague|Gambia|Bahamas)|[\"'“”‘’(\[]+)")
_TRAILING = re.compile(r"(?:['’]s?|[\"“”‘’)\],;:])$")
_SEPARATORS = re.compile(r"[-‐‑–—_'’`.]+")
_ACRONYM_SKIP = frozenset({"of", "the", "and", "for", "de", "la", "du", "des", "&"})


@dataclass
class RawMention:
    """An entity mention with offsets into the text, titles and possessives removed."""

    start: int
    end: int
    text: str
    label: str

    @property
    def type(self) -> ActorType:
        return ENTITY_TYPES[self.label]


@dataclass
class ResolvedActor:
    """All mentions that name the same actor in one article."""

    id: str
    name: str
    type: ActorType
    mentions: list[RawMention] = field(default_factory=list)

    @property
    def surface_forms(self) -> list[str]:
        return list(dict.fromkeys(m.text for m in self.mentions))


def clean_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Offsets of the name itself: no article, title, quote or possessive around it."""
    changed = True
    while changed and start < end:
        changed = False
        for pattern in (_LEADING, _TITLE_RE):
            m = pattern.match(text, start, end)
            if m and m.end() < end:
                start, changed = m.end(), True
        m = _TRAILING.search(text, start, end)
        if m and m.start() > start:
            end, changed = m.start(), True
    # "World Health Organisation (WHO": an opened bracket ends the name.
    bracket = text.find("(", start, end)
    if bracket > start and ")" not in text[bracket:end]:
        end = bracket
    while start < end and text[end - 1].isspace():
        end -= 1
    if start >= end or not any(c.isalpha() for c in text[start:end]):
        return None
    return start, end


def name_key(name: str) -> tuple[str, ...]:
    """Tokens of a name for matching: no accents, case-folded, hyphens as spaces."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return tuple(_SEPARATORS.sub(" ", ascii_name).casefold().split())


# A name ending in one of these is a building or site (a place), whatever the tagger says.
FACILITY_HEADS = frozenset(
    (
        "airport", "base", "bridge", "building", "center", "centre", "hall",
        "hospital", "hotel", "mosque", "museum", "palace", "park", "planetarium", "square",
        "stadium", "station", "street", "road", "temple", "tower", "towers",
    )
)  # fmt: skip


def _proper(doc: Any, start: int, end: int) -> bool:
    span = doc.char_span(start, end, alignment_mode="expand")
    return span is not None and any(t.pos_ == "PROPN" for t in span)


def _pieces(doc: Any, start: int, end: int) -> list[tuple[int, int]]:
    """A name never crosses a line break: a tagged span over one is each line's name."""
    text = doc.text
    out, at = [], start
    lines = text[start:end].split("\n")
    for line in lines:
        span = clean_span(text, at, at + len(line))
        if span is not None and _looks_like_a_name(text[span[0] : span[1]]):
            out.append(span)
        at += len(line) + 1
    if len(lines) > 1:  # a caption or heading beside the name: keep the proper nouns
        out = [s for s in out if _proper(doc, *s)]
    return out


def _label(name: str, label: str) -> str:
    # The head word: the last one, or the one before "of" ("Museum of Flight").
    head = name.split(" of ", 1)[0].rsplit(None, 1)[-1].casefold()
    return "FAC" if label == "ORG" and head in FACILITY_HEADS else label


def mentions_from(doc: Any) -> list[RawMention]:
    """The doc's entities of the types we track, with cleaned offsets, and the other
    occurrences of their names in the article that the tagger missed."""
    found = []
    for ent in doc.ents:
        if ent.label_ not in ENTITY_TYPES:
            continue
        for start, end in _pieces(doc, ent.start_char, ent.end_char):
            name = doc.text[start:end]
            found.append(RawMention(start, end, name, _label(name, ent.label_)))
    found += expansions(doc.text, found)
    return sorted(found + propagate(doc, found), key=lambda m: m.start)


_EXPANSION = re.compile(
    r"((?:[A-Z][\w'&.-]*\s+(?:(?:of|the|and|for|on|in|de|&)\s+)*){1,9}[A-Z][\w'&.-]*)"
    r"\s*\(([A-Z][A-Za-z0-9&.]{1,9})\)"
)


def expansions(text: str, found: list[RawMention]) -> list[RawMention]:
    """ "Government of National Accord (GNA)": the name and its acronym, both tagged,
    with the type the tagger gave either (an organisation when it gave neither)."""
    out = []
    for m in _EXPANSION.finditer(text):
        acronym = m.group(2).replace(".", "")
        words = list(re.finditer(r"[\w'&.-]+", m.group(1)))
        for i in range(len(words)):
            key = tuple(w.group().casefold() for w in words[i:])
            if key[0] in _ACRONYM_SKIP or _initials(key).casefold() != acronym.casefold():
                continue
            long = (m.start(1) + words[i].start(), m.end(1))
            short = m.span(2)
            labels = [x.label for x in found if _overlaps(x, *long) or _overlaps(x, *short)]
            label = labels[0] if labels else "ORG"
            for a, b in (long, short):
                if not any(_overlaps(x, a, b) for x in found):
                    out.append(RawMention(a, b, text[a:b], label))
            break
    return out


def _overlaps(m: RawMention, start: int, end: int) -> bool:
    return m.start < end and start < m.end


def _forms(mentions: list[RawMention]) -> dict[str, str]:
    """Each person's and organisation's name seen (and each person's surname), with its
    most frequent label. Places are left out: the tagger finds them well, and spreading its
    rarer place errors cost more than it found (ner-dev F1 0.711 with them, 0.725 without)."""
    votes: dict[str, Counter[str]] = {}
    for m in mentions:
        votes.setdefault(m.text, Counter())[m.label] += 1
        words = m.text.split()
        if m.label == "PERSON" and len(words) > 1 and len(words[-1]) > 2:
            votes.setdefault(words[-1], Counter())[m.label] += 1
    best = {form: v.most_common(1)[0][0] for form, v in votes.items() if len(form) > 1}
    return {form: label for form, label in best.items() if label in ("PERSON", "ORG")}


def propagate(doc: Any, mentions: list[RawMention]) -> list[RawMention]:
    """A name the tagger found once names the same thing elsewhere in the article: the
    occurrences it missed become mentions too (whole tokens, not part of a longer name)."""
    text = doc.text
    taken = sorted((m.start, m.end) for m in mentions)
    taken += [(e.start_char, e.end_char) for e in doc.ents if e.label_ not in ENTITY_TYPES]
    busy = bytearray(len(text) + 1)
    for a, b in taken:
        busy[a:b] = b"\x01" * (b - a)
    forms = _forms(mentions)
    if not forms:
        return []
    pattern = re.compile(
        r"(?<![\w-])(?:"
        + "|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True))
        + r")(?![\w-])"
    )
    out = []
    for m in pattern.finditer(text):
        start, end = m.span()
        if any(busy[start:end]) or _in_longer_name(text, start, end):
            continue
        out.append(RawMention(start, end, m.group(), forms[m.group()]))
        busy[start:end] = b"\x01" * (end - start)
    return out


_NEXT_NAME = re.compile(r"\s+[A-Z]")
_PREV_NAME = re.compile(r"[A-Z][\w.-]*\s+$")


def _in_longer_name(text: str, start: int, end: int) -> bool:
    """Followed or preceded by another capitalised word: part of a name not tagged."""
    if _NEXT_NAME.match(text, end):
        return True
    before = text[max(0, start - 40) : start]
    m = _PREV_NAME.search(before)
    if m is None:
        return False
    word = m.group().strip().casefold()
    # A title, or the first word of a sentence, is not part of the name.
    return word not in TITLES and not _sentence_start(before, m.start())


def _sentence_start(before: str, at: int) -> bool:
    head = before[:at].rstrip()
    return not head or head[-1] in '.!?\n"“”'


_LOWER_PARTICLES = re.compile(
    r"^(?:al|el|ad|as|ash|de|del|della|di|da|van|von|der|le|la|bin|ibn)\b"
)


def _looks_like_a_name(text: str) -> bool:
    """English names start with a capital or a digit ("pro-Beijing" or "disco club" are not
    names), or with a lower-case particle ("al-Sarraj", "de Gaulle", "von der Leyen")."""
    first = text[0]
    return not first.islower() or bool(_LOWER_PARTICLES.match(text))


@dataclass
class _Group:
    key: tuple[str, ...]
    mentions: list[RawMention] = field(default_factory=list)

    def votes(self) -> Counter[ActorType]:
        # Mentions of two or more words carry more context, so the tagger is surer of them.
        tally: Counter[ActorType] = Counter()
        for m in self.mentions:
            tally[m.type] += 2 if len(name_key(m.text)) > 1 else 1
        return tally

    def is_acronym(self) -> bool:
        return any(
            m.text.isupper() and len(m.text) >= 2 and " " not in m.text for m in self.mentions
        )


def _initials(key: tuple[str, ...]) -> str:
    return "".join(w[0] for w in key if w not in _ACRONYM_SKIP)


def _targets(short: _Group, longer: Iterable[_Group]) -> list[_Group]:
    """Longer groups that `short` can only be another name for."""
    votes = short.votes()
    place_only = set(votes) == {"place"}
    n = len(short.key)
    found = []
    for g in longer:
        if len(g.key) <= n:
            continue
        surname = g.key[-n:] == short.key and g.votes()["person"] > 0 and not place_only
        acronym = n == 1 and short.is_acronym() and _initials(g.key) == short.key[0]
        if surname or acronym:
            found.append(g)
    return found


def _group(mentions: list[RawMention]) -> list[_Group]:
    groups: dict[tuple[str, ...], _Group] = {}
    for m in mentions:
        key = name_key(m.text)
        if key:
            groups.setdefault(key, _Group(key)).mentions.append(m)
    ordered = sorted(groups.values(), key=lambda g: -len(g.key))
    merged: list[_Group] = []
    for g in ordered:
        targets = _targets(g, merged)
        if len(targets) == 1:  # ambiguous short names stay apart rather than guess
            targets[0].mentions.extend(g.mentions)
        else:
            merged.append(g)
    return merged


def _vote(group: _Group) -> ActorType:
    votes = group.votes()
    return max(TYPE_PRIORITY, key=lambda t: (votes[t], -TYPE_PRIORITY.index(t)))


def _canonical(group: _Group) -> str:
    counts = Counter(m.text for m in group.mentions)
    first = {m.text: i for i, m in reversed(list(enumerate(group.mentions)))}
    return max(counts, key=lambda s: (len(name_key(s)), counts[s], -first[s]))


def resolve(mentions: list[RawMention]) -> list[ResolvedActor]:
    """Group mentions into actors: same name, surname of a full name, acronym of a name."""
    actors: dict[str, ResolvedActor] = {}
    for group in _group(mentions):
        name = _canonical(group)
        slug = actor_slug(name)
        actor = actors.setdefault(slug, ResolvedActor(slug, name, _vote(group)))
        actor.mentions.extend(group.mentions)
    for actor in actors.values():
        actor.mentions.sort(key=lambda m: m.start)
    return sorted(actors.values(), key=lambda a: a.mentions[0].start)
