"""Settings of the ingest service."""

from __future__ import annotations

from pydantic import Field

from services.core.settings import CommonSettings


class IngestSettings(CommonSettings):
    """`WIREWATCH_INGEST_*` plus the shared Kafka and topic settings."""

    ingest_host: str = "127.0.0.1"
    ingest_port: int = Field(8001, ge=0, le=65535)
    ingest_max_body_bytes: int = Field(
        4 * 1024 * 1024, ge=1024, description="Larger request bodies get 413."
    )
    ingest_max_articles_per_request: int = Field(1_000, ge=1)
    ingest_publish_timeout_s: float = Field(
        15.0, gt=0, description="How long to wait for the broker's ack before answering 503."
    )
    ingest_dedup_capacity: int = Field(
        1_000_000, ge=1, description="Article ids remembered for exact de-duplication."
    )
