"""The posts service: categories, articles and the editors who write them."""
