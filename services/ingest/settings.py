"""Settings of the ingest service."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from pydantic import Field

from wirewatch.core.auth import ApiKeys
from wirewatch.core.settings import CommonSettings


class IngestSettings(CommonSettings):
    """`WIREWATCH_INGEST_*` plus the shared Kafka and topic settings."""

    ingest_host: str = Field("127.0.0.1", description="ingest listen address")
    ingest_port: int = Field(8001, ge=0, le=65535, description="ingest port")
    ingest_max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="larger request bodies get 413"
    )
    ingest_max_articles_per_request: int = Field(
        1_000, ge=1, description="more articles in one request get 413"
    )
    ingest_publish_timeout_s: float = Field(
        15.0, gt=0, description="wait for the broker's ack this long, then answer 503"
    )
    ingest_dedup_capacity: int = Field(
        1_000_000,
        ge=1,
        description=(
            "article ids (and content hashes) remembered for exact de-duplication (oldest "
            "forgotten first)"
        ),
    )
    ingest_max_message_bytes: int = Field(
        900_000,
        ge=1024,
        description="largest article message (413 above); keep under the broker's limit",
    )
    ingest_api_keys: ApiKeys = Field(
        {},
        description=(
            "JSON object: key (16+ characters) → scopes (`write`; `admin` also manages feeds)"
        ),
    )
    ingest_allow_no_auth: bool = Field(
        False,
        description="start without keys, open to anyone (`wirewatch run` sets it for the demo)",
    )
    ingest_rate_limit_per_s: float = Field(50.0, gt=0, description="requests a second per key")
    ingest_rate_limit_burst: int = Field(100, ge=1, description="token-bucket size")
    ingest_near_dup_threshold: float = Field(
        0.5,
        gt=0,
        le=1,
        description=(
            "estimated Jaccard similarity of five-word shingles that makes a near-duplicate"
        ),
    )
    ingest_near_dup_window_s: float = Field(
        7 * 86400, gt=0, description="how far back near-duplicates are looked for (7 days)"
    )
    ingest_near_dup_capacity: int = Field(
        200_000, ge=1, description="articles in the near-duplicate index"
    )
    ingest_language_min_confidence: float = Field(
        0.9, ge=0, le=1, description="below it, `language` stays null"
    )
    ingest_feeds_path: Path | None = Field(None, description="feeds YAML published at start")
    ingest_feed_group_id: str = Field(
        "wirewatch-feed-pollers", description="consumer group that shares the feeds among replicas"
    )
    ingest_feed_concurrency: int = Field(
        8, ge=1, le=256, description="feeds fetched at once per replica"
    )
    ingest_feed_timeout_s: float = Field(20.0, gt=0, description="HTTP timeout of a fetch")
    ingest_feed_max_backoff_s: float = Field(
        3600.0, gt=0, description="longest wait after repeated errors"
    )
    ingest_feed_user_agent: str = Field(
        "wirewatch-feed-poller/0.1", description="User-Agent (the replica id is appended)"
    )
    ingest_replica_id: str = Field(
        default_factory=lambda: f"{socket.gethostname()}-{os.getpid()}",
        description="names this replica",
        json_schema_extra={"shown_default": "<hostname>-<pid>"},
    )

    def auth_problem(self) -> str | None:
        """Why the service must not start as configured, or None."""
        if self.ingest_api_keys or self.ingest_allow_no_auth:
            return None
        return (
            "no API keys configured (WIREWATCH_INGEST_API_KEYS); refusing to accept writes from "
            "anyone. Set WIREWATCH_INGEST_ALLOW_NO_AUTH=true to run without authentication."
        )
