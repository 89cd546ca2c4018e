"""Shared core: settings, message contracts, Kafka helpers, the embedded broker, analysis."""
