"""The search service: articles and comments found by their words."""
