"""Events the notify service consumes: new comments, and requests for reply e-mail."""

from functools import partial

from services.notify import replies
from services.notify.bootstrap import settings
from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {
    "subscription.requested": replies.on_subscription_requested,
    "comment.created": partial(replies.on_comment_created, settings=settings),
}
