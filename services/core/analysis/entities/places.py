"""Place names the tagger takes for persons or organisations ("Fort Lee", "Ross Sea")."""

from __future__ import annotations

# Heads that are also common surnames (hall, park, street, lake, bridge, tower, temple, bay,
# lane, hill, church, wood, field, ford) are left out: "Stuart Hall" is a person.
FACILITY_KINDS = frozenset(
    (
        "airport", "building", "center", "centre", "hospital", "hotel", "mosque", "museum",
        "palace", "planetarium", "stadium", "station", "road", "avenue", "boulevard", "alley",
        "cemetery", "square",
    )
)  # fmt: skip
NATURAL_KINDS = frozenset(
    (
        "county", "province", "island", "islands", "river", "sea", "ocean", "gulf", "strait",
        "isle", "peninsula", "beach", "valley", "mountain", "mountains", "springs", "desert",
    )
)  # fmt: skip
PLACE_FIRST_WORDS = frozenset(("Fort", "Mount", "Mt.", "Port", "Cape"))
KINDS = FACILITY_KINDS | NATURAL_KINDS


def head_of(name: str) -> str:
    """The head word: the last one, or the one before "of" ("Isle of Man")."""
    return name.split(" of ", 1)[0].rsplit(None, 1)[-1].casefold()


def label(name: str, tagged: str) -> str:
    """The place label for a person's or organisation's name that is a place's, else the
    tagger's."""
    words = name.split()
    if len(words) < 2 or tagged not in ("PERSON", "ORG"):
        return tagged
    head = head_of(name)
    if head in NATURAL_KINDS:
        return "LOC"
    if tagged != "PERSON":
        return tagged
    if head in FACILITY_KINDS:
        return "FAC"
    return "LOC" if words[0] in PLACE_FIRST_WORDS else tagged
