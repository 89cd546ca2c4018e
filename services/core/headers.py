"""The Kafka record headers every wirewatch message carries: route without parsing the value."""

from __future__ import annotations

import re
import secrets
from typing import Any

from wirewatch.core.kafka import header

SCHEMA = "wirewatch-schema"  # the value's schema, e.g. article.enriched.v1
CONTENT_TYPE = "content-type"  # always application/json
PRODUCER = "wirewatch-producer"  # the service that wrote it: ingest or enrich
TRACE = "wirewatch-trace-id"  # one id from the POST (or feed poll) through every output
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def message_headers(schema: str, producer: str, trace_id: str) -> list[tuple[str, bytes]]:
    return [
        (SCHEMA, schema.encode()),
        (CONTENT_TYPE, b"application/json"),
        (PRODUCER, producer.encode()),
        (TRACE, trace_id.encode()),
    ]


def new_trace_id() -> str:
    """32 lower-case hex digits, the W3C trace-id format."""
    return secrets.token_hex(16)


def trace_from_http(traceparent: str | None) -> str:
    """The trace id of a W3C `traceparent` request header if there is a valid one, else new."""
    match = _TRACEPARENT.match((traceparent or "").strip().lower())
    if match and match.group(1) != "0" * 32:
        return match.group(1)
    return new_trace_id()


def trace_of(record_headers: Any) -> str:
    """A record's trace id; a new one for records written without (older versions)."""
    return header(record_headers, TRACE) or new_trace_id()
