"""Integration fixtures: the services' ASGI apps with their lifespan, on the real broker."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from tests.helpers import eventually
from wirewatch.core.broker import free_port


@contextlib.asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan and yield a client once /readyz says ready."""
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=60) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:

            async def ready() -> bool:
                return (await client.get("/readyz")).status_code == 200

            await eventually(ready, timeout_s=30)
            yield client


@contextlib.asynccontextmanager
async def listening(app: Any, ready_path: str | None = "/readyz") -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port; yield its base URL.

    For what an in-process transport cannot do: streaming responses, real clients.
    """
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as client:

            async def up() -> bool:
                if task.done():
                    task.result()
                try:
                    path = ready_path or "/"
                    response = await client.get(path)
                except httpx.HTTPError:
                    return False
                return ready_path is None or response.status_code == 200

            await eventually(up, timeout_s=60)
        yield base
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)
