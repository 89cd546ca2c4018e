"""Wirewatch: streaming news monitoring services (ingest, enrich, api) around Kafka."""

__version__ = "0.1.0"
