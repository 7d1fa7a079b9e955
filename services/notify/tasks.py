"""Events the notify service consumes: new and removed comments, and requests for e-mail."""

from functools import partial

from services.notify import replies, subscriptions
from services.notify.bootstrap import settings
from shared.inbox import Handler

HANDLERS: dict[str, Handler] = {
    "subscription.requested": partial(subscriptions.on_subscription_requested,
                                      settings=settings),
    "comment.created": partial(replies.on_comment_created, settings=settings),
    "comment.removed": replies.on_comment_removed,
}
