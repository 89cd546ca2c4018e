"""Acronyms a text spells out in common words ("voice over internet protocol (VoIP)")."""

from __future__ import annotations

import functools
import re

# An acronym in brackets: two to ten letters, digits or "&", at least two of them capitals.
_BRACKETED = re.compile(r"\(([A-Za-z0-9&]{2,10})\)")
# Words that may give their initial or none: "department of defense (DoD)", "(VoIP)".
_OPTIONAL = frozenset({"of", "the", "and", "for", "in", "on", "to", "over", "a", "an"})
# The words before the bracket, back to the start of the clause.
_CLAUSE_START = re.compile(r"[.;:!?()\[\]\n\"“”]")
_WORD = re.compile(r"[^\s,]+")
_MAX_WORDS = 12


def spelt_out(text: str) -> frozenset[str]:
    """The acronyms this text defines with lower-case words whose initials spell them, each
    with and without a plural "s": "compact fluorescent lamps (CFLs)" gives CFL and CFLs."""
    out: set[str] = set()
    for m in _BRACKETED.finditer(text):
        acronym = m.group(1)
        if sum(c.isupper() for c in acronym) < 2:
            continue
        core = acronym[:-1] if acronym.endswith("s") else acronym
        if _defined(_words_before(text, m.start()), core.casefold()):
            out.update((core, core + "s"))
    return frozenset(out)


def _words_before(text: str, at: int) -> tuple[str, ...]:
    head = text[max(0, at - 200) : at]
    starts = [x.end() for x in _CLAUSE_START.finditer(head)]
    clause = head[starts[-1] :] if starts else head
    return tuple(_WORD.findall(clause)[-_MAX_WORDS:])


def _defined(words: tuple[str, ...], letters: str) -> bool:
    """Some run of the last words, all in lower case and not starting with a word that
    may be skipped, gives exactly these letters."""
    for i in range(len(words)):
        run = words[i:]
        if run[0] in _OPTIONAL or not all(w[:1].isalpha() and w[:1].islower() for w in run):
            continue
        if _spells(run, letters):
            return True
    return False


def _spells(words: tuple[str, ...], letters: str) -> bool:
    @functools.cache
    def match(w: int, at: int) -> bool:
        if w == len(words):
            return at == len(letters)
        word = words[w]
        options = _initials(word)
        if word in _OPTIONAL:
            options.append("")
        return any(letters.startswith(o, at) and match(w + 1, at + len(o)) for o in options)

    return match(0, 0)


def _initials(word: str) -> list[str]:
    """A hyphenated word gives the initial of each part, or of its first part only."""
    parts = [p for p in word.split("-") if p]
    if not parts:
        return []
    every = "".join(p[0] for p in parts if p[0].isalpha())
    return list(dict.fromkeys((every, parts[0][0])))
