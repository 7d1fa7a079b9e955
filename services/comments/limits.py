"""How often one client may post, and report comments: the rate limits of those use cases.

Counted in Redis (`shared/ratelimit.py`), so every API replica counts against the same
window; while Redis is away they are not counted and posts pass.
"""

from services.comments import identity
from services.comments.models import CommentCreate
from services.comments.settings import CommentsSettings
from shared.ratelimit import Limit, RateLimiter


class PostingLimits:
    """Comments per window from one client address and from one commenter; and comments
    asking for e-mail per client address: notify sends a new address one confirmation request
    a day, and this bounds how many addresses one client can have asked."""

    def __init__(self, redis_url: str, settings: CommentsSettings) -> None:
        self.settings = settings
        self.comments = RateLimiter(redis_url, prefix="burg:rate:comments",
                                    window=settings.rate_window_seconds)
        self.mail_requests = RateLimiter(redis_url, prefix="burg:rate:comments-mail",
                                         window=settings.mail_requests_window_seconds)
        self.flags = RateLimiter(redis_url, prefix="burg:rate:flags",
                                 window=settings.flag_rate_window_seconds, noun="reports")
        self.recoveries = RateLimiter(redis_url, prefix="burg:rate:recover",
                                      window=settings.recover_window_seconds, noun="tries")

    def count(self, client: str, token: str | None, data: CommentCreate) -> None:
        """Count a post from the address `client` (and from the commenter holding `token`,
        if any), whether or not it is then taken; TooMany (429, Retry-After) if over."""
        settings = self.settings
        limits = [Limit(f"ip:{client}", settings.rate_per_ip, "from your address")]
        if token:
            limits.append(Limit(f"commenter:{identity.token_hash(token)}",
                                settings.rate_per_commenter, "from you"))
        self.comments.check(*limits)
        if data.email and (data.notify_replies or data.follow_thread):
            self.mail_requests.check(Limit(f"ip:{client}", settings.mail_requests_per_ip,
                                           "asking for e-mail from your address"))

    def count_flag(self, client: str, token: str | None) -> None:
        """Count a report from the address `client` (and from the commenter holding `token`,
        if any), whether or not it is then taken; TooMany (429, Retry-After) if over."""
        settings = self.settings
        limits = [Limit(f"ip:{client}", settings.flag_rate_per_ip, "from your address")]
        if token:
            limits.append(Limit(f"commenter:{identity.token_hash(token)}",
                                settings.flag_rate_per_commenter, "from you"))
        self.flags.check(*limits)

    def count_recovery(self, client: str) -> None:
        """Count a try of a recovery code from the address `client`, right or wrong; TooMany
        (429, Retry-After) if over."""
        self.recoveries.check(Limit(f"ip:{client}", self.settings.recover_per_ip,
                                    "from your address"))
