"""Article analysis without Kafka or HTTP: entities, actors, sentiment, alert rules."""
