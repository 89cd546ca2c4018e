"""Feeds: definitions and state on topics, polling shared among replicas by a consumer group."""
