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
    # Result pages are kept in the API process until the index changes; whether it changed
    # is read (from Redis) at most once this many seconds: how long a removed comment can
    # still be found. 0: read for every search.
    fresh_seconds: float = env("SEARCH_FRESH_SECONDS", 1.0)
    # What the kept pages may take of the API process's memory, and how many there may be.
    kept_bytes: int = env("SEARCH_KEPT_BYTES", 32 * 2**20)
    kept_pages: int = env("SEARCH_KEPT_PAGES", 10_000)
    # A kept page is searched anew after this many seconds whatever the version says: a
    # raise of the version lost to a Redis fault misleads the pages no longer than this.
    kept_seconds: float = env("SEARCH_KEPT_SECONDS", 300.0)
