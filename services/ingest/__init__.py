"""The ingest service: validates articles, de-duplicates them and publishes them to Kafka."""
