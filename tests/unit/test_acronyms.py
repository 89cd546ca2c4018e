"""Acronyms spelt out in common words are things, not organisations."""

from __future__ import annotations

import pytest

from wirewatch.core.analysis.entities import acronyms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Users of voice over internet protocol (VoIP) grew.", {"VoIP", "VoIPs"}),
        ("compact fluorescent lamps (CFLs) last", {"CFL", "CFLs"}),
        ("the scanning low-frequency microwave radiometer (SLFMR)", {"SLFMR", "SLFMRs"}),
        ("groups called non-governmental organisations (NGOs) said", {"NGO", "NGOs"}),
        ("gross domestic product (GDP) fell, and the US (GDP) rose", {"GDP", "GDPs"}),
    ],
)
def test_acronyms_spelt_out_in_lower_case(text: str, expected: set[str]) -> None:
    assert acronyms.spelt_out(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "the Government of National Accord (GNA) said",  # a name spelt out: an organisation
        "He said the (UN) was late.",  # nothing spelt out before it
        "anti-social behaviour orders (Asbos)",  # one capital: not read as an acronym
        "hot air balloons (HAD) rose",  # the initials spell something else
        "the price of oil (OIL)",  # a run may not start with a word that can be skipped
        "sea surface temperatures. (SST)",  # the definition stops at the sentence's end
    ],
)
def test_other_brackets_define_nothing(text: str) -> None:
    assert acronyms.spelt_out(text) == frozenset()
