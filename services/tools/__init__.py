"""Command-line tools around the services: analyze, replay, post, schemas."""
