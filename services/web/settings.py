"""Settings of the web frontend (`BURG_WEB_…`, beside the shared ones)."""

from typing import ClassVar

from shared.settings import Settings, env


class WebSettings(Settings):
    service: ClassVar[str] = "web"  # its own variables are `BURG_WEB_…`
    # Keys that sign the forms' CSRF tokens, comma-separated, newest last: tokens signed with
    # an older key keep working while it is listed. Empty: a random key made once and kept in
    # `<data_dir>/web-secret.key` (one machine; production sets it, the same for every replica).
    secret_keys: str = env("WEB_SECRET_KEYS", "")
    # Seconds an article page is served after a check against the APIs found it current: a
    # change made elsewhere (another web process, an API client, an event) is on every reader's
    # page at most this long after the API holds it; 0 checks on every request.
    page_fresh_seconds: float = env("WEB_PAGE_FRESH_SECONDS", 1.0)
    # The front page and category pages show each article whole (category, title, time, source,
    # the body with the editor's commentary, "Posted by", the comment count), as the sites this
    # one follows do; true shows a teaser (its opening words) instead.
    front_teasers: bool = env("WEB_FRONT_TEASERS", False)
    # Bytes of rendered lists of articles (front, category and archive pages) a web process
    # keeps (listing_pages.py): past it the least recently read go first.
    list_pages_bytes: int = env("WEB_LIST_PAGES_BYTES", 16 * 2**20)
