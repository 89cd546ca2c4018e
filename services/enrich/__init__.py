"""The enrich service: a consumer group turning raw articles into enriched articles and alerts."""
