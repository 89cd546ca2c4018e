"""Text as ingest stores it: extracted from HTML, normalised, with its language."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

# Control characters other than newline and tab (C0, DEL, C1).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
LANGUAGE_SAMPLE = 2_000  # characters: enough for a confident guess, cheap


def normalise(text: str) -> str:
    """NFC, no control characters, one space between words, paragraphs kept."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def extract_html(html: str) -> str:
    """The article text of an HTML page (trafilatura), or "" when none is found."""
    import trafilatura  # imported on first use: it takes a moment to load

    return trafilatura.extract(html, include_comments=False, include_tables=False) or ""


@functools.cache
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def language(text: str, min_confidence: float = 0.9) -> str | None:
    """ISO 639-1 code of the text's language, or None when the guess is not confident."""
    sample = text[:LANGUAGE_SAMPLE]
    if len(sample) < 40:  # too short to tell
        return None
    code, probability = _identifier().classify(sample)
    return str(code) if probability >= min_confidence else None
