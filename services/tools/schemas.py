"""`wirewatch schemas`: the topic messages' JSON Schemas, generated from the models.

Subscribers get them with `wirewatch schemas --out DIR` from any installed copy; in a
checkout, `wirewatch schemas` rewrites `schemas/` and the packaged copy, and `--check`
fails when either is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

from wirewatch.core.contracts import (
    CONTRACTS,
    PACKAGED_SCHEMA_DIR,
    REPO_SCHEMA_DIR,
    in_checkout,
    schema_for,
)
from wirewatch.core.errors import InputError
from wirewatch.tools import asyncapi

ASYNCAPI = "asyncapi.yaml"


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


def files() -> dict[str, bytes]:
    """Every file of the contract: the three JSON Schemas and the AsyncAPI document."""
    out = {f"{name}.json": render(name) for name in CONTRACTS}
    out[ASYNCAPI] = asyncapi.render(_version()).encode()
    return out


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("wirewatch")
    except PackageNotFoundError:
        return "0.0.0"


def _write(directory: Path) -> list[str]:
    directory.mkdir(parents=True, exist_ok=True)
    for name, body in files().items():
        (directory / name).write_bytes(body)
        print(f"wrote {directory / name}")
    return []


def _check(directory: Path) -> list[str]:
    return [
        str(directory / name)
        for name, body in files().items()
        if not (directory / name).exists() or (directory / name).read_bytes() != body
    ]
