"""Settings of the comments service (`BURG_COMMENTS_…`)."""


from shared.settings import ServiceSettings, env


class CommentsSettings(ServiceSettings):
    service = "comments"
    database_url: str = env("COMMENTS_DATABASE_URL", "")
    # A commenter may edit or delete their own comment this long after posting it.
    edit_window_minutes: int = env("COMMENTS_EDIT_WINDOW_MINUTES", 15)
    # Hold a new commenter's first comment until an editor approves it.
    premoderation: bool = env("COMMENTS_PREMODERATION", False)
    # At most this many comments per window from one address, and from one commenter.
    rate_per_ip: int = env("COMMENTS_RATE_PER_IP", 30)
    rate_per_commenter: int = env("COMMENTS_RATE_PER_COMMENTER", 10)
    rate_window_seconds: int = env("COMMENTS_RATE_WINDOW_SECONDS", 60)
    max_links: int = env("COMMENTS_MAX_LINKS", 10)
    # Each API process keeps built thread pages up to this many bytes (keys and bodies).
    page_cache_bytes: int = env("COMMENTS_PAGE_CACHE_BYTES", 64 * 2**20)
