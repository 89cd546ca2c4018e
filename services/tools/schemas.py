"""`wirewatch schemas`: the topic messages' JSON Schemas, generated from the models.

Subscribers get them with `wirewatch schemas --out DIR` from any installed copy; in a
checkout, `wirewatch schemas` rewrites `schemas/` and the packaged copy, and `--check`
fails when either is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from services.core.contracts import (
    CONTRACTS,
    PACKAGED_SCHEMA_DIR,
    REPO_SCHEMA_DIR,
    in_checkout,
    schema_for,
    schema_path,
)
from services.core.errors import InputError


def render(name: str) -> bytes:
    return orjson.dumps(schema_for(name), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def write_schemas(out: Path | None, check: bool = False) -> int:
    if out is not None:
        directories = [out]
    elif check:
        directories = [PACKAGED_SCHEMA_DIR, *([REPO_SCHEMA_DIR] if in_checkout() else [])]
    elif in_checkout():
        directories = [REPO_SCHEMA_DIR, PACKAGED_SCHEMA_DIR]
    else:  # never write into an installed package
        raise InputError("give --out DIR: where to write the schemas")
    stale = [p for d in directories for p in (_check(d) if check else _write(d))]
    if stale:
        print("stale schema files (run `wirewatch schemas`):", *stale, file=sys.stderr)
        return 1
    return 0


def _write(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    for name in CONTRACTS:
        path = schema_path(name, directory)
        path.write_bytes(render(name))
        print(f"wrote {path}")
    return []


def _check(directory: Path) -> list[str]:
    return [
        str(schema_path(name, directory))
        for name in CONTRACTS
        if not schema_path(name, directory).exists()
        or schema_path(name, directory).read_bytes() != render(name)
    ]
