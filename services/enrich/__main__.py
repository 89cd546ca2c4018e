"""`python -m wirewatch.enrich`: run the enrich worker with its metrics endpoint."""

from __future__ import annotations

import asyncio
import logging

from wirewatch.core import logs, memory
from wirewatch.core.lifecycle import install_stop_signals
from wirewatch.enrich import health
from wirewatch.enrich.settings import EnrichSettings
from wirewatch.enrich.worker import run

log = logging.getLogger("wirewatch.enrich")


async def _main(settings: EnrichSettings) -> None:
    stop = asyncio.Event()
    install_stop_signals(stop)
    readiness = health.Readiness()
    server, thread = health.serve(
        readiness, settings.enrich_metrics_host, settings.enrich_metrics_port
    )
    log.info(
        "enrich metrics and /readyz on http://%s:%d",
        settings.enrich_metrics_host,
        settings.enrich_metrics_port,
    )
    try:
        await run(settings, stop, readiness)
    finally:
        server.shutdown()
        thread.join(5)


ARENAS = 2  # glibc malloc arenas: see wirewatch.core.memory
MMAP_THRESHOLD = 128 * 1024  # glibc's starting value, kept from rising: see there too


def main() -> None:
    memory.limit_arenas(ARENAS)  # first, before any thread allocates
    memory.fix_mmap_threshold(MMAP_THRESHOLD)
    settings = EnrichSettings()
    logs.configure(settings.log_level, settings.log_format)
    log.info("enrich starting with %s", settings.masked())
    asyncio.run(_main(settings))


if __name__ == "__main__":
    main()
