"""Names whose head word is an organisation's kind ("Saudi Interior Ministry") as organisations."""

from __future__ import annotations

from typing import Any

from wirewatch.core.analysis.entities.actors import RawMention

# The common noun of an organisation's kind: a proper name with one of these as its head
# names an organisation. Heads that often end names of places, buildings, works or events
# are left out on purpose: bank (West Bank), union (Soviet Union), court, front, star, sun,
# conference, university, college, school, office, church.
ORG_HEADS = frozenset(
    (
        "party", "ministry", "council", "commission", "committee", "agency", "department",
        "association", "federation", "foundation", "institute", "society", "fund", "board",
        "bureau", "authority", "corporation", "company", "inc", "corp", "ltd", "plc", "llc",
        "group", "airlines", "airways", "league", "alliance", "coalition", "movement",
        "parliament", "assembly", "congress", "senate", "army", "navy", "police", "forces",
        "brigade", "brigades",
        # the press
        "news", "times", "post", "herald", "gazette", "journal", "tribune", "telegraph",
        "chronicle", "mail", "express", "observer", "mirror", "courier", "inquirer",
        "examiner", "monitor", "magazine", "newspaper", "radio", "television",
    )
)  # fmt: skip
# Words that join the capitalised words of one name ("Ministry of Defence").
CONNECTORS = frozenset(("of", "the", "for", "and", "on", "de", "&"))
RETYPED = frozenset(("PERSON", "GPE", "LOC"))
SCORED = frozenset(("PERSON", "ORG", "GPE", "LOC", "FAC"))
NOT_IN_A_NAME = frozenset(("VERB", "AUX", "ADV", "PRON"))
MAX_WORDS = 6


def head_of(name: str) -> str:
    """The head word: the last one, or the one before "of"; a final "'s" is not part of it."""
    head = name.split(" of ", 1)[0].rsplit(None, 1)[-1].casefold()
    return head[:-2] if head.endswith(("'s", "’s")) else head


def label(name: str, tagged: str) -> str:
    """A person or place name of two words or more with an organisation's head is one."""
    if tagged in RETYPED and len(name.split()) >= 2 and head_of(name) in ORG_HEADS:
        return "ORG"
    return tagged


def _capital(token: Any) -> bool:
    return bool(token.text[:1].isupper())


def _span(doc: Any, i: int) -> tuple[int, int] | None:
    """Token bounds [a, b) of the name whose head is token i, or None."""
    a = i
    while a > 0 and not doc[a].is_sent_start:
        prev = doc[a - 1]
        if _capital(prev) or (prev.lower_ in CONNECTORS and a > 1 and _capital(doc[a - 2])):
            a -= 1
        else:
            break
    b = i + 1
    if b + 1 < len(doc) and doc[b].lower_ == "of":  # "Ministry of (the) Defence"
        c = b + 1 + (doc[b + 1].lower_ == "the")
        while c < len(doc) and _capital(doc[c]) and not doc[c].is_sent_start:
            c += 1
        if c > b + 1 + (doc[b + 1].lower_ == "the"):
            b = c
    # A sentence's first word is capitalised by its place unless spaCy takes it for a name
    # ("Yesterday Police said"); connectors and "The" never start a name.
    if a < i and doc[a].is_sent_start and doc[a].pos_ != "PROPN":
        a += 1
    while a < i and (doc[a].lower_ in CONNECTORS or doc[a].text == "The"):
        a += 1
    words = [t for t in doc[a:b] if t.lower_ not in CONNECTORS]
    if not 2 <= len(words) <= MAX_WORDS or any(t.pos_ in NOT_IN_A_NAME for t in doc[a:b]):
        return None
    return a, b


def recover(doc: Any, found: list[RawMention]) -> list[RawMention]:
    """Untagged names ending in an organisation's head ("Deseret News") as organisation
    mentions; a group (NORP) mention inside one gives way to it ("Saudi" in "Saudi
    Interior Ministry"). Returns the mentions to keep, the new ones added."""
    kept = list(found)
    for token in doc:
        if not _capital(token) or token.lower_ not in ORG_HEADS:
            continue
        bounds = _span(doc, token.i)
        if bounds is None:
            continue
        start, end = doc[bounds[0]].idx, doc[bounds[1] - 1].idx + len(doc[bounds[1] - 1])
        inside = [m for m in kept if m.start < end and start < m.end]
        if any(m.label in SCORED for m in inside):
            continue
        kept = [m for m in kept if m not in inside]
        kept.append(RawMention(start, end, doc.text[start:end], "ORG"))
    return kept
