"""`wirewatch replay` and `wirewatch post`: send article files through the ingest service."""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import orjson
from tqdm import tqdm

from wirewatch.core.articles import (
    InvalidArticles,
    article_from_text,
    count_lines,
    iter_jsonl,
    validate,
)
from wirewatch.core.errors import InputError, OperationError
from wirewatch.tools.output import json_lines

RETRIES = 5


def _headers(api_key: str | None, ndjson: bool) -> dict[str, str]:
    headers = {"content-type": "application/x-ndjson" if ndjson else "application/json"}
    if api_key:
        headers["x-api-key"] = api_key
    return headers


def _send(client: httpx.Client, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    """POST to /v1/articles, retrying while ingest answers 503; raise on anything else."""
    for attempt in range(RETRIES):
        response = client.post("/v1/articles", content=body, headers=headers)
        if response.status_code != 503 or attempt == RETRIES - 1:
            break
        time.sleep(float(response.headers.get("retry-after", "1")))
    if response.status_code in (413, 415, 422):  # the input is at fault
        raise InputError(f"ingest refused it ({response.status_code}): {response.text[:500]}")
    if response.status_code != 202:
        raise OperationError(f"ingest answered {response.status_code}: {response.text[:500]}")
    result: dict[str, Any] = response.json()
    return result


def replay(
    path: Path, url: str, batch: int, rate: float, api_key: str | None, fmt: str = "table"
) -> int:
    """Publish every valid line of a JSONL file; print accepted/duplicate/rejected counts."""
    counts: Counter[str] = Counter()
    pending: list[Any] = []
    started = time.monotonic()
    lines = iter_jsonl(path)
    total = count_lines(path)  # also fails at once, before any output, if there is no file
    bar = tqdm(total=total, unit="article", disable=not sys.stderr.isatty())
    with httpx.Client(base_url=url, timeout=60) as client, bar:

        def flush() -> None:
            if pending:
                body = b"\n".join(orjson.dumps(item) for item in pending)
                result = _send(client, body, _headers(api_key, ndjson=True))
                counts["accepted"] += result["accepted"]
                counts["duplicate"] += result["duplicates"]
                bar.update(len(pending))
                pending.clear()
            if rate > 0:  # hold back to the requested average rate
                time.sleep(max(0.0, counts.total() / rate - (time.monotonic() - started)))

        for number, item in lines:
            if _rejected(number, item):
                counts["rejected"] += 1
                bar.update(1)
                continue
            pending.append(item)
            if len(pending) >= batch:
                flush()
        flush()
    if fmt == "json":
        json_lines([{k: counts[k] for k in ("accepted", "duplicate", "rejected")}])
    else:
        print(f"accepted {counts['accepted']}, duplicate {counts['duplicate']}, "
              f"rejected {counts['rejected']}")  # fmt: skip
    # Every line rejected is a failed replay, not a quiet success.
    return 1 if counts["rejected"] and not counts["accepted"] + counts["duplicate"] else 0


def _rejected(number: int, item: Any) -> bool:
    """Validate locally so one bad line does not sink the whole batch; report it."""
    if isinstance(item, Exception):
        print(f"line {number}: invalid JSON: {item}", file=sys.stderr)
        return True
    try:
        validate([item])
    except InvalidArticles as exc:
        print(f"line {number}: {exc}", file=sys.stderr)
        return True
    return False


def post_file(path: Path, url: str, api_key: str | None) -> int:
    """Post one file's articles in a single request and print ingest's answer."""
    if path.suffix == ".txt":
        body, ndjson = orjson.dumps(article_from_text(path)), False
    else:
        body, ndjson = path.read_bytes(), path.suffix in {".jsonl", ".ndjson"}
    with httpx.Client(base_url=url, timeout=60) as client:
        result = _send(client, body, _headers(api_key, ndjson))  # errors: the CLI's exit codes
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())
    return 0
