"""Entity extraction: spaCy mentions, cleaned and typed, resolved to canonical actors."""
