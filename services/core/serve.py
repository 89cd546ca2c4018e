"""Running a FastAPI app under uvicorn as a service process (SIGTERM stops it gracefully)."""

from __future__ import annotations

import logging

import uvicorn
from fastapi import FastAPI

from wirewatch.core import logs
from wirewatch.core.settings import CommonSettings

log = logging.getLogger(__name__)


def serve(app: FastAPI, settings: CommonSettings, host: str, port: int, name: str) -> None:
    """Log the effective settings, then serve until SIGINT or SIGTERM."""
    logs.configure(settings.log_level, settings.log_format)
    log.info("%s starting on http://%s:%d with %s", name, host, port, settings.masked())
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_config=None,  # keep our own logging setup
        access_log=False,
        timeout_graceful_shutdown=10,
    )
    uvicorn.Server(config).run()
