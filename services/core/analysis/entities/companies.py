"""One-word company names the tagger took for persons ("Gazprom", "Ryanair") made organisations."""

from __future__ import annotations

import re
from typing import Any

from wirewatch.core.analysis.entities.actors import TITLES, ResolvedActor
from wirewatch.core.analysis.entities.aliases import Match

# Nouns only a firm has: "Gazprom's shares", "Ryanair customers". Nouns a person may have
# too (staff, boss, brand, debts, losses, stake, headquarters) are left out on purpose.
FIRM_NOUNS = frozenset(
    (
        "share", "shares", "stock", "stocks", "profit", "profits", "revenue", "revenues",
        "earnings", "turnover", "sales", "shareholder", "shareholders", "investor", "investors",
        "employee", "employees", "worker", "workers", "customer", "customers", "subscriber",
        "subscribers", "subsidiary", "subsidiaries", "chairman", "ceo", "founder", "factory",
        "factories", "plant", "plants", "product", "products", "store", "stores", "shop",
        "shops", "branch", "branches", "takeover", "merger",
    )
)  # fmt: skip
# Two-word nouns, by their head: "chief executive", "share price".
FIRM_COMPOUNDS = {"executive": "chief", "price": "share"}
# "shares in Yukos", "a bid for Sibneft", "the takeover of Parmalat".
DEAL_NOUNS = frozenset(
    ("share", "stake", "takeover", "merger", "bid", "offer", "acquisition")
)  # fmt: skip
DEAL_PREPS = frozenset(("in", "of", "for"))
BUY_VERBS = frozenset(("acquire", "buy", "purchase"))
_TITLE_BEFORE = re.compile(
    r"(?:" + "|".join(re.escape(t) for t in (*TITLES, "sir", "lord", "lady")) + r")\s+$", re.I
)


def _firm_noun(head: Any) -> bool:
    word = head.lower_
    if word in FIRM_NOUNS or head.lemma_.lower() in FIRM_NOUNS:
        return True
    before = FIRM_COMPOUNDS.get(word)
    return before is not None and head.i > 0 and head.doc[head.i - 1].lower_ == before


def company_role(token: Any) -> bool:
    """Whether the token, in spaCy's parse, stands where only a company would."""
    head = token.head
    if token.dep_ in ("poss", "compound", "nmod") and _firm_noun(head):
        return True
    if token.dep_ == "pobj" and head.lower_ in DEAL_PREPS:
        # "a stake in X", or the verb's: "bought shares in X", "made a bid for X".
        heads = [head.head, *(c for c in head.head.children if c.dep_ == "dobj")]
        return any(h.lemma_.lower() in DEAL_NOUNS for h in heads)
    return token.dep_ == "dobj" and head.lemma_.lower() in BUY_VERBS


def person_role(doc: Any, start: int, end: int) -> bool:
    """A title before the name ("Mr Miller"), or "who" after it."""
    if _TITLE_BEFORE.search(doc.text, max(0, start - 30), start):
        return True
    span = doc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    after = [t for t in doc[span.end : span.end + 2] if not t.is_punct]
    return bool(after) and after[0].lower_ == "who"


def _roles(doc: Any, actor: ResolvedActor) -> tuple[int, int]:
    firms = persons = 0
    for m in actor.mentions:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        firms += span is not None and company_role(span.root)
        persons += person_role(doc, m.start, m.end)
    return firms, persons


def retype(
    doc: Any, resolved: list[tuple[ResolvedActor, Match]]
) -> list[tuple[ResolvedActor, Match]]:
    """Each person the table does not know, named only by one word, that stands where a
    company does more often than where a person does, becomes an organisation."""
    out = []
    for actor, match in resolved:
        one_word = all(" " not in m.text.strip() for m in actor.mentions)
        if actor.type == "person" and match.actor is None and one_word:
            firms, persons = _roles(doc, actor)
            if firms and firms > persons:
                actor = ResolvedActor(actor.id, actor.name, "organisation", actor.mentions)
        out.append((actor, match))
    return out
