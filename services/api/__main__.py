"""`python -m services.api`: run the api service."""

from __future__ import annotations

from services.api.app import create_app
from services.api.settings import ApiSettings
from services.core.serve import serve


def main() -> None:
    settings = ApiSettings()
    serve(create_app(settings), settings, settings.api_host, settings.api_port, "api")


if __name__ == "__main__":
    main()
