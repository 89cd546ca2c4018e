"""Mentions: the tagger's entities made into names, and the names it missed or mistyped."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path
from typing import Any

from wirewatch.core.analysis.entities import acronyms, heads, places
from wirewatch.core.analysis.entities.actors import (
    _ACRONYM_SKIP,
    ENTITY_TYPES,
    HONOURS,
    OFFICES,
    TITLES,
    RawMention,
    _initials,
    _looks_like_a_name,
    clean_span,
)

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


def _clauses(ent: Any) -> list[tuple[int, int]]:
    """ "Yahoo bought Flickr": a lower-case verb is never part of a name, so the span is cut
    there and each side is looked at on its own."""
    spans, at = [], ent.start_char
    for token in ent:
        if token.pos_ in ("VERB", "AUX") and token.text[:1].islower():
            spans.append((at, token.idx))
            at = token.idx + len(token.text)
    spans.append((at, ent.end_char))
    text = ent.doc.text
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        if a < b:
            out.append((a, b))
    return out


def _label(name: str, label: str, place_heads: bool = True) -> str:
    # The head word: the last one, or the one before "of" ("Museum of Flight").
    head = name.split(" of ", 1)[0].rsplit(None, 1)[-1].casefold()
    if label == "ORG" and head in FACILITY_HEADS:
        return "FAC"
    placed = places.label(name, label) if place_heads else label
    if placed != label:
        return placed
    if label != "PERSON" and _looks_like_a_person(name.split(), head, place_heads):
        return "PERSON"
    return label


FIRST_NAMES_FILE = Path(__file__).resolve().parents[3] / "data" / "first_names.txt"
# Last words that make a name an organisation or a place whoever it is named after.
NOT_PERSON_HEADS = FACILITY_HEADS | frozenset(
    (
        "inc", "inc.", "corp", "corp.", "co", "co.", "ltd", "llc", "group", "company",
        "university", "college", "school", "institute", "foundation", "party", "council",
        "association", "society", "trust", "fund", "prize", "award", "awards", "house",
        "county", "city", "island", "river", "lake", "mountain", "valley", "tech",
        "department", "agency", "office", "ministry", "service", "bank", "club", "church",
        "airlines", "airways", "press", "news", "times", "post", "records", "studios",
    )
)  # fmt: skip


@functools.cache
def first_names() -> frozenset[str]:
    lines = FIRST_NAMES_FILE.read_text().splitlines()
    return frozenset(x for x in lines if x and not x.startswith("#"))


def _looks_like_a_person(words: list[str], head: str, place_heads: bool = True) -> bool:
    """ "Annie Oakley", "Dean Kamen": two or three capitalised words after a common given
    name are a person's name, whatever the tagger said (but "Dean Foods Inc" is not)."""
    return (
        2 <= len(words) <= 3
        and all(w[:1].isupper() and not w.isupper() for w in words)
        and words[0] in first_names()
        and head not in NOT_PERSON_HEADS
        and not (place_heads and head in places.KINDS)
    )


def mentions_from(
    doc: Any, org_heads: bool = True, place_heads: bool = True, common_acronyms: bool = True
) -> list[RawMention]:
    """The doc's entities of the types we track, with cleaned offsets, and the other
    occurrences of their names in the article that the tagger missed. `org_heads=False`,
    `place_heads=False` or `common_acronyms=False` leaves out the organisation-head, the
    place-head or the spelt-out acronym rule (their reading checks compare both)."""
    found = []
    for ent in doc.ents:
        if ent.label_ not in ENTITY_TYPES:
            continue
        for start, end in (p for c in _clauses(ent) for p in _pieces(doc, *c)):
            name = doc.text[start:end]
            tagged = _label(name, ent.label_, place_heads)
            found.append(
                RawMention(start, end, name, heads.label(name, tagged) if org_heads else tagged)
            )
    if common_acronyms:  # "voice over internet protocol (VoIP)": a thing, not a name
        things = acronyms.spelt_out(doc.text)
        found = [m for m in found if m.text not in things]
    found += expansions(doc.text, found)
    if org_heads:
        found = heads.recover(doc, found)
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
        # Only a last word that looks like a name is a surname: never "the" of "Theodore the".
        last = words[-1] if len(words) > 1 else ""
        if m.label == "PERSON" and len(last) > 2 and _looks_like_a_name(last):
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
    return word not in (*TITLES, *HONOURS, *OFFICES) and not _sentence_start(before, m.start())


def _sentence_start(before: str, at: int) -> bool:
    head = before[:at].rstrip()
    return not head or head[-1] in '.!?\n"“”'
