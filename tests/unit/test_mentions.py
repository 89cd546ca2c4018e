"""Mentions: captions, facility and person retyping, expansions, propagation."""

from __future__ import annotations

from wirewatch.core.analysis.entities.actors import RawMention


def _m(text: str, start: int, label: str) -> RawMention:
    return RawMention(start, start + len(text), text, label)


def _nlp() -> object:
    from wirewatch.core.analysis.entities import nlp

    return nlp.load()


def _names(text: str) -> list[tuple[str, str]]:
    from wirewatch.core.analysis.entities.mentions import mentions_from

    doc = _nlp()(text)  # type: ignore[operator]
    return [(m.text, m.label) for m in mentions_from(doc)]


def test_propagate_tags_the_names_the_tagger_missed() -> None:
    from wirewatch.core.analysis.entities.mentions import propagate

    text = "Investigators met Maria Montalvo on Monday. Later, Montalvo left. Montalvo Street."
    found = [_m("Maria Montalvo", 18, "PERSON")]
    doc = _nlp()(text)  # type: ignore[operator]
    extra = propagate(doc, found)
    # The bare surname is a mention; inside the longer name "Montalvo Street" it is not.
    assert [(m.text, m.start, m.label) for m in extra] == [("Montalvo", 51, "PERSON")]


def test_propagate_skips_what_is_already_tagged() -> None:
    from wirewatch.core.analysis.entities.mentions import propagate

    text = "Reuters said so. Reuters agreed, and Reuters left."
    doc = _nlp()(text)  # type: ignore[operator]
    found = [_m("Reuters", 0, "ORG"), _m("Reuters", 17, "ORG")]
    assert [m.start for m in propagate(doc, found)] == [37]


def test_places_are_not_propagated() -> None:
    from wirewatch.core.analysis.entities.mentions import propagate

    # Places are the tagger's strong suit; spreading its rarer place errors costs more.
    text = "Paris said so. Then Paris agreed."
    doc = _nlp()(text)  # type: ignore[operator]
    assert propagate(doc, [_m("Paris", 0, "GPE")]) == []
    assert [m.text for m in propagate(doc, [_m("Paris", 0, "PERSON")])] == ["Paris"]


def test_expansion_tags_the_name_and_its_acronym() -> None:
    from wirewatch.core.analysis.entities.mentions import expansions

    text = "He leads the Government of National Accord (GNA) in Tripoli."
    found = expansions(text, [_m("Tripoli", 52, "GPE")])
    assert [(m.text, m.label) for m in found] == [
        ("Government of National Accord", "ORG"),
        ("GNA", "ORG"),
    ]
    # Initials that do not spell the bracket are no expansion.
    assert expansions("The Big Apple (NYC) shone.", []) == []


def test_facility_names_are_places() -> None:
    from wirewatch.core.analysis.entities.mentions import _label

    assert _label("Johnson Space Center", "ORG") == "FAC"
    assert _label("Museum of Flight", "ORG") == "FAC"  # the head comes before "of"
    assert _label("Church of Scientology", "ORG") == "ORG"  # a church is mostly its people
    assert _label("Space Center Inc", "ORG") == "ORG"
    assert _label("Bridge", "PERSON") == "PERSON"


def test_a_name_does_not_cross_a_line_break() -> None:
    # The small model tags "Ahmed Mohamed\nImage" (a photo caption) as one person.
    assert _names("Ahmed Mohamed\nImage of the day") == [("Ahmed Mohamed", "PERSON")]


def test_a_given_name_makes_a_person() -> None:
    from wirewatch.core.analysis.entities.mentions import _label

    assert _label("Annie Oakley", "ORG") == "PERSON"
    assert _label("Dean Kamen", "GPE") == "PERSON"
    # Named after someone, but an organisation or a place.
    assert _label("Irving Police Department", "ORG") == "ORG"
    assert _label("Dean Foods Inc", "ORG") == "ORG"
    assert _label("Virginia Beach", "GPE") == "GPE"  # a place's name is not a given name here
    assert _label("Annie", "ORG") == "ORG"  # one word is not enough


def test_a_verb_inside_a_tagged_name_cuts_it() -> None:
    # The small model runs "Yahoo bought Flickr" together as one organisation.
    names = _names("Google's profits doubled. Yahoo bought Flickr. Tesco said sales rose.")
    assert ("Yahoo bought Flickr", "ORG") not in names
    assert ("Yahoo", "ORG") in names
    assert ("Flickr", "ORG") in names


def test_words_of_a_name_that_are_not_verbs_stay() -> None:
    assert ("Bank of England", "ORG") in _names("The Bank of England held rates on Thursday.")


def test_an_acronym_spelt_out_in_common_words_is_no_entity() -> None:
    text = (
        "Users of voice over internet protocol (VoIP) services doubled. "
        "VoIP calls are cheap, the Office of Fair Trading said."
    )
    names = _names(text)
    assert not [n for n in names if n[0] == "VoIP"]
    assert ("Office of Fair Trading", "ORG") in names


def test_a_name_never_ends_in_the_and_the_is_no_surname() -> None:
    # The small model tags "Theodore the" and "Sanctified" here; "the" spread as a surname.
    text = (
        "Theodorus, also known as Abba Theodorus and Theodore the Sanctified, was the "
        "spiritual successor to Pachomius. He joined a monastery in the diocese of Sne."
    )
    names = _names(text)
    assert all(not n[0].endswith(" the") and n[0] != "the" for n in names)
    assert ("Theodore", "PERSON") in names


def test_honours_are_not_part_of_the_name() -> None:
    text = "Manchester United manager Sir Alex Ferguson met Lord Falconer in London."
    names = [n for n, _ in _names(text)]
    assert "Alex Ferguson" in names
    assert "Falconer" in names
    assert not [n for n in names if n.startswith(("Sir ", "Lord "))]


def test_lady_begins_names() -> None:
    names = [n for n, _ in _names("Lady Bird Johnson, the former first lady, died on Wednesday.")]
    assert "Lady Bird Johnson" in names


def test_titles_of_office_are_not_part_of_the_name() -> None:
    text = "Archbishop Desmond Tutu met Ayatollah Ali Sistani and Rabbi Jonathan Sacks."
    names = [n for n, _ in _names(text)]
    assert {"Desmond Tutu", "Ali Sistani", "Jonathan Sacks"} <= set(names)
    assert not [n for n in names if n.split()[0] in ("Archbishop", "Ayatollah", "Rabbi")]
