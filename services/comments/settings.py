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
    # Reports of comments (flags) per window from one address, and from one commenter.
    flag_rate_per_ip: int = env("COMMENTS_FLAG_RATE_PER_IP", 20)
    flag_rate_per_commenter: int = env("COMMENTS_FLAG_RATE_PER_COMMENTER", 10)
    flag_rate_window_seconds: int = env("COMMENTS_FLAG_RATE_WINDOW_SECONDS", 3600)
    # Tries of a recovery code per window from one address (a code has about 120 bits: this
    # is against a flood, guessing one is hopeless anyway).
    recover_per_ip: int = env("COMMENTS_RECOVER_PER_IP", 10)
    recover_window_seconds: int = env("COMMENTS_RECOVER_WINDOW_SECONDS", 3600)
    # A comment reported by this many distinct readers is held (hidden until an editor
    # decides); 0: never held automatically.
    hold_after_flags: int = env("COMMENTS_HOLD_AFTER_FLAGS", 5)
    max_links: int = env("COMMENTS_MAX_LINKS", 10)
    # Comments asking for e-mail (each can send a confirmation request to a new address) per
    # client address per window: one sender cannot have many mailboxes asked.
    mail_requests_per_ip: int = env("COMMENTS_MAIL_REQUESTS_PER_IP", 10)
    mail_requests_window_seconds: int = env("COMMENTS_MAIL_REQUESTS_WINDOW_SECONDS", 3600)
    # Notify's public key: an e-mail address leaves sealed to it, readable by notify alone
    # (`shared/sealing.py`). Empty: the one `make run` keeps in the data folder.
    notify_public_key: str = env("COMMENTS_NOTIFY_PUBLIC_KEY", "", was="NOTIFY_PUBLIC_KEY")
    # Each API process keeps built thread pages up to this many bytes (keys and bodies).
    page_cache_bytes: int = env("COMMENTS_PAGE_CACHE_BYTES", 64 * 2**20)
