"""Settings of the search service (`BURG_SEARCH_…`)."""

from shared.settings import ServiceSettings, env


class SearchSettings(ServiceSettings):
    service = "search"
    database_url: str = env("SEARCH_DATABASE_URL", "")
    page_size: int = env("SEARCH_PAGE_SIZE", 20)  # results on a page
    # Pages one query can be turned to: deeper ones get 422 (nobody reads page 51; a crawler
    # walking every page of a common word would cost the index an OFFSET scan each time).
    max_pages: int = env("SEARCH_MAX_PAGES", 50)
    # "Most relevant first" ranks the newest this many matches, not all: a common word
    # matches most of the site, and ranking every match would cost each page that much.
    rank_window: int = env("SEARCH_RANK_WINDOW", 1000)
    # A query longer than this (characters), or with more words, gets 422.
    max_query_chars: int = env("SEARCH_MAX_QUERY_CHARS", 500)
    max_query_words: int = env("SEARCH_MAX_QUERY_WORDS", 16)
