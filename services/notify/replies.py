"""Reply e-mail: who hears of a new comment, and taking back what a removed comment caused.

The author of the parent comment hears of a reply if they asked to (and confirmed their
address); followers of the article's thread hear of every new comment. Nobody hears of their
own comment. Past the hourly limit an e-mail is held for the recipient's next digest.
"""

from datetime import timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, insert, literal, or_, select, update
from sqlmodel import Session, col

from services.notify import delivery, messages
from services.notify.models import Consent, Delivery, Kind, NotifyTable, RemovedComment, Status
from services.notify.settings import NotifySettings
from shared.db import insert_or_ignore
from shared.direct import Direct
from shared.events import CommentCreated, CommentRemoved, utcnow
from shared.inbox import RetryLater

COUNTED = (Status.waiting, Status.sending, Status.sent)  # what the hourly limit counts

# The handler's reads and its address lock, as Core statements compiled once and run on the
# session's DBAPI cursor (`shared/direct.py`): through the ORM each was built, given a cache
# key and its rows turned into objects anew, for each event, and even through
# `Connection.execute` SQLAlchemy's bookkeeping cost more than the statement; most events
# carry one e-mail, so this is most of storing it.
_tables = NotifyTable.metadata.tables
_address: Table = _tables["address"]
_subscription: Table = _tables["subscription"]
_delivery: Table = _tables["delivery"]
_removed: Table = _tables["removedcomment"]
# Who a subscription is: a row (address_id, commenter_id, nic, follows_thread) of `_WHO`.
Who = Any
_WHO = (_subscription.c.address_id, _subscription.c.commenter_id, _subscription.c.nic,
        _subscription.c.follows_thread)
REMOVED = Direct(select(literal(1)).where(_removed.c.comment_id == bindparam("comment_id")))
STORED = Direct(select(literal(1)).where(_delivery.c.key == bindparam("key")))
PARENT = Direct(select(*_WHO).where(_subscription.c.comment_id == bindparam("parent_id"),
                                    ~_subscription.c.follows_thread).limit(1))
FOLLOWERS = Direct(select(*_WHO).where(_subscription.c.article_id == bindparam("article_id"),
                                       _subscription.c.follows_thread)
                   .order_by(_subscription.c.id))
# Writes to the address's row (changing nothing) and reads its consent: see `_lock_address`.
LOCK = Direct(update(_address).where(_address.c.id == bindparam("address")).values(
    consent=_address.c.consent).returning(_address.c.consent))
# Each counted status by name: a literal IN list is rendered as each statement runs, which
# `Direct` does not do.
RECENT = Direct(select(func.count().label("recent")).select_from(_delivery).where(
    _delivery.c.address_id == bindparam("address_id"), _delivery.c.kind == Kind.reply,
    or_(*(_delivery.c.status == status for status in COUNTED)),
    _delivery.c.created_at > bindparam("since")))
# A reply's e-mail, written at once (a row, not an ORM object flushed at the commit, which cost
# more than the rest of storing it): what reads an address's e-mails later in the
# transaction (the hourly count, a later event of the batch) sees it.
NEW = Direct(insert(_delivery))
_NEW_ROW = {"kind": Kind.reply, "attempts": 0, "next_attempt_at": None, "claimed_until": None,
            "claim": None, "last_error": None, "digest_key": None, "sent_at": None}


def on_comment_created(session: Session, event: CommentCreated, *,
                       settings: NotifySettings) -> None:
    """Queue one e-mail per recipient of this new comment (the idempotency key is comment id
    + address id: a redelivered event queues nothing new)."""
    if session.new or session.dirty:
        session.flush()  # what earlier events of the batch stored (a subscription), seen below
    _queue_for(session, event, settings)


def _queue_for(session: Session, event: CommentCreated, settings: NotifySettings) -> None:
    if event.imported:
        return  # an old comment brought in from another system: its readers have moved on
    conn = session.connection()
    if REMOVED.first(conn, {"comment_id": event.comment_id}) is not None:
        return  # removed before this event was handled
    # In address order, each address is held until the commit (see `_lock_address`), so two workers
    # mailing one address take turns and the hourly count sees the other's e-mail.
    for subscription in sorted(_recipients(session, event), key=lambda s: s.address_id):
        address_id = subscription.address_id
        if _lock_address(session, address_id) != Consent.confirmed:
            continue
        key = f"reply:{event.comment_id}:{address_id}"
        if STORED.first(conn, {"key": key}):  # those of earlier events of a batch too
            continue
        content = {
            "comment_id": event.comment_id, "article_id": event.article_id,
            "article_title": event.article_title, "article_url": event.article_url,
            "replier_nic": event.nic, "recipient_nic": subscription.nic,
            "body_html": event.body_html, "follows_thread": subscription.follows_thread}
        held = _over_limit(session, settings, address_id)
        NEW.run(conn, {**_NEW_ROW, "key": key, "address_id": address_id,
                       "comment_id": event.comment_id, "article_id": event.article_id,
                       "content": content, "message_id": messages.message_id(settings, key),
                       "status": Status.held if held else Status.waiting,
                       "created_at": utcnow()})
        if not held:
            delivery.queued(session, key)


def on_comment_removed(session: Session, event: CommentRemoved) -> None:
    """A hidden or deleted comment: its e-mails that have not gone out never will (nor will
    any its creation event might still cause)."""
    insert_or_ignore(session, RemovedComment, comment_id=event.comment_id, removed_at=utcnow())
    session.execute(update(Delivery).where(
        col(Delivery.comment_id) == event.comment_id,
        col(Delivery.status).in_([Status.waiting, Status.held, Status.folded]))
        .values(status=Status.cancelled))


def _recipients(session: Session, event: CommentCreated) -> list[Who]:
    """The subscriptions this comment concerns, one per address, never its own author's."""
    conn = session.connection()
    found: list[Who] = []
    if event.parent_id is not None:
        parent = PARENT.first(conn, {"parent_id": event.parent_id})
        # No subscription yet: it may be on its way, unless the parent is gone (deleted, its
        # author forgotten), when none will ever come.
        if parent is None and event.parent_wants_replies and REMOVED.first(
                conn, {"comment_id": event.parent_id}) is None:
            raise RetryLater(f"the subscription for comment {event.parent_id} has not "
                             "arrived yet")
        if parent is not None:
            found.append(parent)
    if event.thread_followed:
        found += FOLLOWERS.rows(conn, {"article_id": event.article_id})
    recipients: dict[int, Who] = {}
    for subscription in found:
        if subscription.commenter_id != event.commenter_id:
            recipients.setdefault(subscription.address_id, subscription)
    return list(recipients.values())


def _lock_address(session: Session, address_id: int) -> Consent:
    """Write to the address's row (changing nothing) before reading what counts: PostgreSQL
    then holds the row, SQLite the write lock, until this transaction ends. Its consent."""
    return Consent(LOCK.first(session.connection(), {"address": address_id}).consent)


def _over_limit(session: Session, settings: NotifySettings, address_id: int) -> bool:
    since = utcnow() - timedelta(seconds=settings.window_seconds)
    recent: int = RECENT.first(session.connection(),
                               {"address_id": address_id, "since": since}).recent
    return recent >= settings.max_per_window
