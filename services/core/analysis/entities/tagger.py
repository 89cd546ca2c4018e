"""The trained entity tagger (ONNX, int8): spaCy's names retyped and re-bounded in context."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

DEFAULT_MODEL = Path(__file__).resolve().parents[3] / "data" / "models" / "tagger"
# How names are found: the trained tagger over spaCy, or spaCy's NER alone (docs/entity-model.md).
Entities = Literal["tagger", "spacy"]
DEFAULT_ENTITIES: Entities = "spacy"
OTHER: dict[Entities, Entities] = {"tagger": "spacy", "spacy": "tagger"}
# The tagger's classes: B/I of four types (MISC is learnt so that it is not called a name).
TYPES = ("PER", "ORG", "LOC", "MISC")
LABELS = ("O", *(f"{p}-{t}" for t in TYPES for p in "BI"))
# What each type becomes in the doc; MISC spans are not emitted (spaCy's own stay).
AS_SPACY = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}
# spaCy's labels for the names the tagger decides about; its other entities are kept.
REPLACED = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
MAX_PIECES = 128  # word pieces a window holds, [CLS] and [SEP] included
CASES = 7  # pad, lower, Title, UPPER, mixed, digits, other; doubled for a sentence start


def case_class(word: str, first: bool) -> int:
    """The word's casing (the encoder is uncased), and whether it starts a sentence."""
    if word.isdigit() or any(c.isdigit() for c in word):
        base = 5
    elif not any(c.isalpha() for c in word):
        base = 6
    elif word.islower():
        base = 1
    elif word.isupper() and len(word) > 1:
        base = 3
    elif word[0].isupper() and (len(word) == 1 or word[1:].islower()):
        base = 2
    else:
        base = 4
    return base + CASES * first


@dataclass
class Words:
    """A doc's words (spaCy tokens that are not white space), with their features."""

    tokens: list[int]  # spaCy token index of each word
    text: list[str]
    case: list[int]
    ent: list[int]
    sentences: list[tuple[int, int]]  # word ranges


def words_of(doc: Any, ent_labels: Sequence[str]) -> Words:
    """Every word's text, casing class and spaCy entity class (0 pad, 1 outside, then B/I
    of each of spaCy's labels in `ent_labels`' order)."""
    index = {label: i for i, label in enumerate(ent_labels)}
    out = Words([], [], [], [], [])
    for sent in doc.sents:
        begin = len(out.tokens)
        for tok in sent:
            if tok.is_space:
                continue
            label = index.get(tok.ent_type_)
            ent = 1 if label is None else 2 + 2 * label + (tok.ent_iob_ == "I")
            out.case.append(case_class(tok.text, len(out.tokens) == begin))
            out.tokens.append(tok.i)
            out.text.append(tok.text)
            out.ent.append(ent)
        if len(out.tokens) > begin:
            out.sentences.append((begin, len(out.tokens)))
    return out


def windows(
    words: Words, pieces: Sequence[int], limit: int = MAX_PIECES - 2
) -> Iterator[tuple[int, int]]:
    """Word ranges of whole sentences packed up to `limit` word pieces (a longer sentence
    is cut between words). `pieces[i]` is the number of word pieces of word i."""
    start, size = None, 0
    for a, b in words.sentences:
        length = sum(pieces[a:b])
        if start is not None and size + length > limit:
            yield start, a
            start, size = None, 0
        if length > limit:
            yield from _cut(a, b, pieces, limit)
            continue
        if start is None:
            start = a
        size += length
    if start is not None:
        yield start, words.sentences[-1][1]


def _cut(a: int, b: int, pieces: Sequence[int], limit: int) -> Iterator[tuple[int, int]]:
    start, size = a, 0
    for i in range(a, b):
        if size + pieces[i] > limit and i > start:
            yield start, i
            start, size = i, 0
        size += min(pieces[i], limit)
    yield start, b


def piece_counts(tokenizer: Any, texts: list[str]) -> list[int]:
    """How many word pieces each word becomes (at least one, for `windows`)."""
    return [max(1, len(e.ids)) for e in tokenizer.encode_batch(texts, add_special_tokens=False)]


def encode(tokenizer: Any, words: Words, a: int, b: int) -> dict[str, Any]:
    """One window's model inputs (a batch of one) and each word's first piece."""
    enc = tokenizer.encode(words.text[a:b], is_pretokenized=True)
    ids, word_ids = enc.ids, enc.word_ids
    if len(ids) > MAX_PIECES:  # a window of a very long word: keep its first pieces
        ids, word_ids = ids[: MAX_PIECES - 1] + ids[-1:], [*word_ids[: MAX_PIECES - 1], None]
    case = [0 if w is None else words.case[a + w] for w in word_ids]
    ent = [0 if w is None else words.ent[a + w] for w in word_ids]
    first, seen = [], set()
    for i, w in enumerate(word_ids):
        if w is not None and w not in seen:
            seen.add(w)
            first.append(i)
    return {
        "input_ids": np.array([ids], dtype=np.int64),
        "attention_mask": np.ones((1, len(ids)), dtype=np.int64),
        "case_ids": np.array([case], dtype=np.int64),
        "ent_ids": np.array([ent], dtype=np.int64),
        "first": first,
    }


def spans(labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """BIO labels to (start, end, type) word ranges; an I- that follows nothing of its
    type starts a span."""
    out: list[tuple[int, int, str]] = []
    start, kind = None, ""
    for i, label in enumerate([*labels, "O"]):
        prefix, _, t = label.partition("-")
        if start is not None and (prefix != "I" or t != kind):
            out.append((start, i, kind))
            start = None
        if prefix in "BI" and label != "O" and start is None:
            start, kind = i, t
    return out


class Tagger:
    """Re-tags a parsed doc's person, organisation and place names."""

    def __init__(self, path: Path = DEFAULT_MODEL, threads: int = 1):
        import onnxruntime
        import tokenizers

        self.info: dict[str, Any] = json.loads((path / "model.json").read_text())
        self.name = str(self.info["name"])
        self.ent_labels: list[str] = list(self.info["spacy_labels"])
        self.tokenizer = tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))
        self.tokenizer.no_truncation()
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(path / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def labels(self, doc: Any) -> tuple[Words, list[str]]:
        """Each word of the doc and the tagger's BIO label for it."""
        words = words_of(doc, self.ent_labels)
        if not words.tokens:
            return words, []
        pieces = piece_counts(self.tokenizer, words.text)
        out: list[str] = []
        for a, b in windows(words, pieces):
            feed = encode(self.tokenizer, words, a, b)
            first = feed.pop("first")
            logits = self.session.run(None, feed)[0][0]
            best = logits[first].argmax(-1)
            out += [LABELS[int(k)] for k in best]
            out += ["O"] * (b - a - len(first))  # pieces cut from an overlong window
        return words, out

    def retag(self, doc: Any) -> None:
        """Replace spaCy's person, organisation and place entities by the tagger's (spaCy's
        other entities stay where they do not overlap them)."""
        words, labels = self.labels(doc)
        new = []
        for a, b, kind in spans(labels):
            if kind in AS_SPACY:
                first, last = words.tokens[a], words.tokens[b - 1]
                new.append(doc[first : last + 1])
                new[-1].label_ = AS_SPACY[kind]
        taken = bytearray(len(doc) + 1)
        for span in new:
            taken[span.start : span.end] = b"\x01" * len(span)
        kept = [e for e in doc.ents if e.label_ not in REPLACED and not any(taken[e.start : e.end])]
        doc.ents = sorted(new + kept, key=lambda s: s.start)


@functools.cache
def shared(path: Path = DEFAULT_MODEL) -> Tagger:
    """One loaded tagger per process and path."""
    return Tagger(path)
