"""`python -m wirewatch.ingest`: run the ingest service."""

from __future__ import annotations

import sys

from wirewatch.core.serve import serve
from wirewatch.ingest.app import create_app
from wirewatch.ingest.settings import IngestSettings


def main() -> None:
    settings = IngestSettings()
    problem = settings.auth_problem()
    if problem is not None:
        sys.exit(f"wirewatch ingest: {problem}")
    serve(create_app(settings), settings, settings.ingest_host, settings.ingest_port, "ingest")


if __name__ == "__main__":
    main()
