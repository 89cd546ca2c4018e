"""`--format json` for every command that prints results: one JSON object per line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import Any

import orjson

FORMATS = ("table", "json")


def add_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="table",
        help="table for people, json for programs (JSON lines)",
    )


def json_lines(rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        sys.stdout.write(orjson.dumps(row).decode() + "\n")
