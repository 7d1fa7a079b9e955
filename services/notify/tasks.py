"""Events the notify service consumes: new and removed comments, requests for e-mail,
commenters who asked to be forgotten, and the two steps of a recovery link."""

from functools import partial

from services.notify import forgetting, recovery, replies, subscriptions
from services.notify.settings import NotifySettings
from shared.inbox import Handler


def handlers(settings: NotifySettings) -> dict[str, Handler]:
    """Each event type's handler, `(session, event)`, for a service on `settings` (every
    consuming service builds its table so): the settings are bound here for those that need
    them."""
    return {
        "subscription.requested": partial(subscriptions.on_subscription_requested,
                                          settings=settings),
        "comment.created": partial(replies.on_comment_created, settings=settings),
        "comment.removed": replies.on_comment_removed,
        "commenter.forgotten": forgetting.on_commenter_forgotten,
        "recovery.requested": partial(recovery.on_recovery_requested, settings=settings),
        "recovery.codes": partial(recovery.on_recovery_codes, settings=settings),
    }
