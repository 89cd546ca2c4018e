"""Write the JSON Schema files in schemas/ from the models, or check they are current."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from services.core.contracts import CONTRACTS, REPO_SCHEMA_DIR, schema_for, schema_path


def render(name: str) -> bytes:
    return orjson.dumps(schema_for(name), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def write_schemas(out: Path | None, check: bool = False) -> int:
    directory = out or REPO_SCHEMA_DIR
    stale = []
    for name in CONTRACTS:
        path = schema_path(name, directory)
        body = render(name)
        if check:
            if not path.exists() or path.read_bytes() != body:
                stale.append(str(path))
        else:
            directory.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
            print(f"wrote {path}")
    if stale:
        print("stale schema files (run `wirewatch schemas`):", *stale, file=sys.stderr)
        return 1
    return 0
