"""Named entities resolved to canonical actors within one article."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz.distance import Levenshtein

from wirewatch.core.ids import actor_slug
from wirewatch.core.models import ActorType

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
# Honours and peerage: cut only before a capitalised word ("Sir Alex Ferguson"), since
# "lord" is a common word too; GUM leaves them out of the name. Not "Lady": it begins
# names and nicknames ("Lady Bird Johnson", "Lady Gaga").
HONOURS = ("sir", "dame", "lord", "baroness")
# Titles of office the small model keeps inside a name ("Archbishop Desmond Tutu"); also cut
# only before a capital. Not Major (John Major), Private, Father, Chief or Justice.
OFFICES = (
    "archbishop", "bishop", "cardinal", "rabbi", "imam", "ayatollah", "reverend", "rev.", "rev",
    "emir", "shah", "sultan", "crown prince", "professor", "prof.", "prof", "captain", "capt.",
    "capt", "lieutenant", "lt.", "lt", "sergeant", "sgt.", "sgt", "corporal", "cpl",
    "admiral", "brigadier", "detective", "chief inspector", "inspector",
    "chief superintendent", "superintendent", "constable",
)  # fmt: skip
_TITLE_RE = re.compile(
    r"(?:the\s+)?(?:(?:"
    + "|".join(re.escape(t) for t in TITLES)
    + r")\s+|(?:"
    + "|".join(re.escape(t) for t in (*HONOURS, *OFFICES))
    + r")\s+(?-i:(?=[A-Z])))",
    re.I,
)
# "The" is cut too ("The Church of Scientology"), except where it is part of the name.
_LEADING = re.compile(r"(?:(?:the|The)\s+(?!Hague|Gambia|Bahamas)|[\"'“”‘’(\[]+)")
# A name never ends in a lower-case function word: "Theodore the" of "Theodore the Sanctified".
_TRAILING = re.compile(r"(?:['’]s?|[\"“”‘’)\],;:]|\s+(?:the|of|and|for|in|on|at|to|a|an|&))$")
# A scoreline glued to a team's name by the tagger ("Arsenal 1-1"): never part of a name.
_SCORE_AFTER = re.compile(r"\s+\d{1,3}\s?[-–]\s?\d{1,3}$")
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
    score = _SCORE_AFTER.search(text, start, end)
    if score is not None and score.start() > start:
        end = score.start()
    while start < end and text[end - 1].isspace():
        end -= 1
    if start >= end or not any(c.isalpha() for c in text[start:end]):
        return None
    return start, end


def name_key(name: str) -> tuple[str, ...]:
    """Tokens of a name for matching: no accents, case-folded, hyphens as spaces."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return tuple(_SEPARATORS.sub(" ", ascii_name).casefold().split())


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


def _keyed(mentions: list[RawMention]) -> list[_Group]:
    groups: dict[tuple[str, ...], _Group] = {}
    for m in mentions:
        key = name_key(m.text)
        if key:
            groups.setdefault(key, _Group(key)).mentions.append(m)
    return _variants(list(groups.values()))


def _group(mentions: list[RawMention]) -> list[_Group]:
    groups = _keyed(mentions)
    gone: set[int] = set()
    for short, full in _middle_name_joins(groups):
        full.mentions.extend(short.mentions)
        gone.add(id(short))
    ordered = sorted((g for g in groups if id(g) not in gone), key=lambda g: -len(g.key))
    merged: list[_Group] = []
    for g in ordered:
        targets = _targets(g, merged)
        if len(targets) == 1:  # ambiguous short names stay apart rather than guess
            full = targets[0]
            if full.key[-len(g.key) :] == g.key and _vote(full) == "person" and not g.is_acronym():
                # A person's surname: the tagger's other types for it were mistakes.
                for m in g.mentions:
                    m.label = "PERSON"
            targets[0].mentions.extend(g.mentions)
        else:
            merged.append(g)
    return merged


def _variants(groups: list[_Group]) -> list[_Group]:
    """One person spelt two ways in one article ("Kristin Wilkins", "Kristen Wilkins"):
    same surname, given names one letter apart; the more frequent spelling keeps them."""
    people = sorted(
        (g for g in groups if len(g.key) > 1 and g.votes()["person"] > 0),
        key=lambda g: -len(g.mentions),
    )
    gone: set[int] = set()
    for i, keep in enumerate(people):
        for other in people[i + 1 :]:
            if id(keep) in gone or id(other) in gone or len(other.key) != len(keep.key):
                continue
            if other.key[-1] == keep.key[-1] and _misspelt(
                " ".join(other.key[:-1]), " ".join(keep.key[:-1])
            ):
                keep.mentions.extend(other.mentions)
                gone.add(id(other))
    return [g for g in groups if id(g) not in gone]


def _middle_name_joins(groups: list[_Group]) -> list[tuple[_Group, _Group]]:
    """One person named with and without a middle name ("Joshua Abraham Norton", "Joshua
    Norton"): a two-word person name joins the only longer person name with its first and
    last word, so that the bare surname then fits one person."""
    people = [g for g in groups if _vote(g) == "person"]
    joins = []
    for short in (g for g in people if len(g.key) == 2):
        # Two candidates ("John F. Smith", "John T. Smith"): which one is a guess.
        longer = [g for g in people if len(g.key) > 2 and _frames(g.key, short.key)]
        if len(longer) == 1:
            joins.append((short, longer[0]))
    return joins


def middle_name_joins(mentions: list[RawMention]) -> list[tuple[str, str]]:
    """The names the middle-name join puts together in one article (for its reading check)."""
    return [
        (_canonical(short), _canonical(full))
        for short, full in _middle_name_joins(_keyed(mentions))
    ]


def _frames(full: tuple[str, ...], short: tuple[str, ...]) -> bool:
    return full[0] == short[0] and full[-1] == short[-1]


def _misspelt(a: str, b: str) -> bool:
    """One letter apart inside given names of 5+ letters ("Kristin"/"Kristen"); a different
    first or last letter ("Maria"/"Mario", "Eric"/"Erica") may be another person."""
    return (
        min(len(a), len(b)) >= 5
        and a[0] == b[0]
        and a[-1] == b[-1]
        and Levenshtein.distance(a, b) == 1
    )


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
