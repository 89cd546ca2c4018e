"""`wirewatch eval dedup`: precision and recall of near-duplicate detection on a built test set.

From real articles it builds, per original, three copies a wire desk would see (an
edited lead sentence, a changed byline, a truncated ending) and one unrelated
article on the same topic that must not match.
"""

from __future__ import annotations

import dataclasses
import random
import re
from dataclasses import dataclass
from pathlib import Path

from wirewatch.core.articles import iter_jsonl
from wirewatch.core.models import utcnow
from wirewatch.ingest.neardup import NearDuplicates, signature
from wirewatch.tools.output import json_lines

NAMES = ["Jane Doe", "Ahmed Ali", "Maria Rossi", "Li Wei", "John Smith", "Ana Souza"]
AGENCIES = ["Reuters", "AP", "AFP", "dpa", "Anadolu"]
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
CAPITALISED = re.compile(r"\b[A-Z][a-z]{2,}\b")


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    positives: int
    negatives: int
    true_positives: int
    false_positives: int


def edited_lead(text: str, rng: random.Random) -> str:
    first, _, rest = text.partition("\n\n")
    sentences = SENTENCE_END.split(first)
    words = sentences[0].split()
    kept = [w for i, w in enumerate(words) if i % 4 != 3]  # drop every fourth word
    sentences[0] = (
        " ".join(kept).rstrip(".")
        + ", officials said on "
        + rng.choice(["Monday", "Tuesday", "Friday"])
        + "."
    )
    return " ".join(sentences) + ("\n\n" + rest if rest else "")


def changed_byline(text: str, rng: random.Random) -> str:
    byline = f"By {rng.choice(NAMES)}, {rng.choice(AGENCIES)}"
    return (
        f"{byline}\n\n{text}\n\n(Reporting by {rng.choice(NAMES)}; editing by {rng.choice(NAMES)})"
    )


def truncated(text: str, rng: random.Random) -> str:
    words = text.split()
    keep = int(len(words) * rng.uniform(0.65, 0.8))
    return " ".join(words[:keep])


def _topic(title: str, text: str) -> set[str]:
    return set(CAPITALISED.findall(title + " " + text[:600]))


def same_topic(index: int, topics: list[set[str]]) -> int:
    """The other article sharing most names with this one: same topic, another story."""
    mine = topics[index]
    scored = (
        (len(mine & other) / (len(mine | other) or 1), j)
        for j, other in enumerate(topics)
        if j != index
    )
    return max(scored)[1]


def evaluate(path: Path, limit: int, threshold: float, seed: int = 7) -> Scores:
    items = [
        it
        for _, it in iter_jsonl(path)
        if isinstance(it, dict) and len(str(it.get("text", "")).split()) >= 150
    ]
    rng = random.Random(seed)
    originals = rng.sample(range(len(items)), min(limit, len(items)))
    topics = [_topic(str(it.get("title") or ""), str(it["text"])) for it in items]
    index = NearDuplicates(threshold, window_s=10**9, capacity=10**9)
    now = utcnow()
    for i in originals:
        index.add(str(i), str(i), now, signature(str(items[i]["text"])))
    tp = fp = fn = negatives = 0
    for i in originals:
        text = str(items[i]["text"])
        for variant in (edited_lead(text, rng), changed_byline(text, rng), truncated(text, rng)):
            match = index.find(signature(variant))
            if match is not None and match.article_id == str(i):
                tp += 1
            else:
                fn += 1
                fp += match is not None
        other = same_topic(i, topics)
        if str(other) not in index:
            negatives += 1
            fp += index.find(signature(str(items[other]["text"]))) is not None
    return Scores(
        precision=tp / ((tp + fp) or 1),
        recall=tp / ((tp + fn) or 1),
        positives=tp + fn,
        negatives=negatives,
        true_positives=tp,
        false_positives=fp,
    )


def run(path: Path, limit: int, threshold: float, fmt: str = "table") -> int:
    s = evaluate(path, limit, threshold)
    if fmt == "json":
        json_lines([{"threshold": threshold, **dataclasses.asdict(s)}])
        return 0
    print(f"threshold {threshold:g}: {s.positives} copies, {s.negatives} same-topic others")
    print(f"precision {s.precision:.3f}  recall {s.recall:.3f}")
    print(f"true positives {s.true_positives}, false positives {s.false_positives}")
    return 0
