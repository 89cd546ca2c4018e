"""Settings of the api service."""

from __future__ import annotations

from pydantic import Field

from services.core.settings import CommonSettings


class ApiSettings(CommonSettings):
    """`WIREWATCH_API_*` plus the shared Kafka and topic settings."""

    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)
    api_view_capacity: int = Field(
        100_000, ge=1, description="Alerts kept in memory; the oldest go first."
    )
