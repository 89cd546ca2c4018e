"""What a change to the mention code changes: `dump` writes every mention of the Wikinews
articles outside ner-dev as the checkout it runs in finds them; `compare` lists the mentions
one dump has and the other has not, with their sentence, for a reader (docs/analysis.md,
the name-edges result). Run `dump` in a checkout before the change and in one after it."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from wirewatch.core.analysis.entities import nlp
from wirewatch.core.analysis.entities.mentions import mentions_from


def _title_key(title: str) -> str:
    return " ".join(title.casefold().split())


def dump(articles: Path, ner_dev: Path, out: Path) -> None:
    dev = {_title_key(json.loads(line)["title"]) for line in ner_dev.open()}
    rows = [json.loads(line) for line in articles.open()]
    rows = [r for r in rows if _title_key(r.get("title") or "") not in dev]
    with out.open("w") as handle:
        for row, doc in zip(rows, nlp.load().pipe(r["text"] for r in rows), strict=True):
            for m in mentions_from(doc):
                span = doc.char_span(m.start, m.end, alignment_mode="expand")
                sentence = str(span.sent.text).strip() if span is not None else ""
                item = {"article": row["id"], "start": m.start, "end": m.end, "text": m.text}
                handle.write(json.dumps(item | {"label": m.label, "sentence": sentence}) + "\n")


def _read(path: Path) -> dict[tuple[str, int, int, str], dict[str, object]]:
    rows = (json.loads(line) for line in path.open())
    return {(r["article"], r["start"], r["end"], r["label"]): r for r in rows}


def compare(before: Path, after: Path, out: Path) -> None:
    old, new = _read(before), _read(after)
    changes = [{"change": "removed"} | old[k] for k in sorted(old.keys() - new.keys())]
    changes += [{"change": "added"} | new[k] for k in sorted(new.keys() - old.keys())]
    with out.open("w") as handle:
        for item in changes:
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(old)} mentions before, {len(new)} after, {len(changes)} changed -> {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("articles", type=Path, help="../shared/data/wikinews/articles.jsonl")
    d.add_argument("ner_dev", type=Path, help="../shared/data/ner-dev/ner-dev.jsonl")
    d.add_argument("out", type=Path)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("out", type=Path)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.articles, args.ner_dev, args.out)
    else:
        compare(args.before, args.after, args.out)


if __name__ == "__main__":
    main()
