"""`python -m wirewatch.api`: run the api service."""

from __future__ import annotations

from wirewatch.api.app import create_app
from wirewatch.api.settings import ApiSettings
from wirewatch.core.serve import serve


def main() -> None:
    settings = ApiSettings()
    serve(create_app(settings), settings, settings.api_host, settings.api_port, "api")


if __name__ == "__main__":
    main()
