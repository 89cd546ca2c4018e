"""Sentiment toward targets: the trained target model, the lexicon method, actor scores."""
