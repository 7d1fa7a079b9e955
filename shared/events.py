"""The event catalogue: the envelope every event travels in, a typed record per event type,
and the one routing table saying which services receive which type.

An event crosses a service boundary as a Celery task `<consumer>.handle_event` on the
consumer's own queue, with the envelope (JSON) as its only argument.
"""

import hashlib
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, Field


def as_utc(moment: datetime) -> datetime:
    """`moment` made timezone-aware: one without a zone, from outside (an event, a cursor),
    is taken to be UTC, as all of ours are. (The database's come back aware: `UtcDateTime`.)"""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The type of an event's moments: always aware, so that a consumer compares them with its own
# (aware) columns as they come; a producer's naive time is taken to be UTC.
UtcTime = Annotated[datetime, AfterValidator(as_utc)]


class Event(BaseModel):
    """Base of the typed event records; `type` names the event on the wire."""

    type: ClassVar[str]
    # Carries personal data (an e-mail address): the producer keeps no copy once it is sent.
    personal: ClassVar[bool] = False


class CategoryCreated(Event):
    """Posts publishes it for a new category; feeds consumes it (an empty feed is a feed)."""

    type: ClassVar[str] = "category.created"
    slug: str
    name: str
    description: str


class CategoryUpdated(CategoryCreated):
    """Posts publishes it when a category is renamed or described anew; feeds consumes it."""

    type: ClassVar[str] = "category.updated"


class ArticlePublished(Event):
    """Posts publishes it when an article goes public; comments, feeds and search consume it."""

    type: ClassVar[str] = "article.published"
    article_id: int
    slug: str
    url: str
    title: str
    category_slug: str
    category_name: str
    posted_by: str
    dateline: date
    summary: str
    body_html: str
    published_at: UtcTime
    updated_at: UtcTime
    comments_close_at: UtcTime | None
    # An imported article's address on the site it came from (its WordPress permalink).
    imported_from: str | None = None


class ArticleUpdated(ArticlePublished):
    """Posts publishes it when a published article changes — its text, its category, or when
    its comments close or reopen; comments, feeds and search consume it."""

    type: ClassVar[str] = "article.updated"


class ArticleRetracted(Event):
    """Posts publishes it when an article is withdrawn; comments, feeds and search consume
    it."""

    type: ClassVar[str] = "article.retracted"
    article_id: int
    category_slug: str
    # When (the article's updated_at): a consumer ignores any older state arriving after it.
    retracted_at: UtcTime | None = None


class CommentCreated(Event):
    """Comments publishes it for every new public comment; feeds, notify and search consume
    it."""

    type: ClassVar[str] = "comment.created"
    comment_id: int
    article_id: int
    article_title: str
    article_url: str
    parent_id: int | None
    commenter_id: int
    nic: str
    body_html: str
    created_at: UtcTime
    # The parent's author asked for reply e-mail: notify waits for that subscription to
    # arrive rather than drop the e-mail if this event overtakes it.
    parent_wants_replies: bool = False
    # Someone asked for e-mail about every new comment on this article.
    thread_followed: bool = False
    # Brought in by an import (from WordPress, Disqus, Isso): no e-mail goes out for it.
    imported: bool = False


class CommentRestored(CommentCreated):
    """Comments publishes it when an editor restores a hidden comment; feeds and search
    consume it (notify does not: its reply e-mail went out, or not, when the comment first
    appeared)."""

    type: ClassVar[str] = "comment.restored"


class CommentEdited(Event):
    """Comments publishes it when a commenter edits their comment; feeds and search consume
    it."""

    type: ClassVar[str] = "comment.edited"
    comment_id: int
    article_id: int
    body_html: str
    edited_at: UtcTime


class CommentRemoved(Event):
    """Comments publishes it when a comment is hidden or deleted; feeds, notify and search
    consume it."""

    type: ClassVar[str] = "comment.removed"
    comment_id: int
    article_id: int


class CommenterForgotten(Event):
    """Comments publishes it when a commenter asks (or an editor asks for them) to be
    forgotten, after their comments went, each with its `comment.removed`; notify consumes it:
    the commenter's subscriptions go, and no more e-mail goes to an address only they used."""

    type: ClassVar[str] = "commenter.forgotten"
    commenter_id: int


def editor_token_hash(token: str) -> str:
    """What travels of an editor's token in `EditorAuthorized`, and what posts stores: its
    SHA-256. Comments hashes a token it is shown the same way to find the editor."""
    return hashlib.sha256(token.encode()).hexdigest()


class EditorAuthorized(Event):
    """Posts publishes it when an editor gets a token; comments consumes it, so the same
    token lets the editor moderate. Only the token's hash (`editor_token_hash`) travels."""

    type: ClassVar[str] = "editor.authorized"
    nic: str
    token_hash: str
    # One more with each change of this editor's token (authorized, rotated, revoked): a
    # consumer ignores a change older than one it has applied. 0: sent before versions.
    version: int = 0


class EditorRevoked(Event):
    """Posts publishes it when an editor's token is revoked; comments consumes it."""

    type: ClassVar[str] = "editor.revoked"
    nic: str
    version: int = 0  # as in `editor.authorized`


class SubscriptionRequested(Event):
    """Comments publishes it when a commenter asks for reply e-mails; only notify consumes it,
    because it carries the commenter's e-mail address."""

    type: ClassVar[str] = "subscription.requested"
    personal: ClassVar[bool] = True
    comment_id: int
    article_id: int
    commenter_id: int
    nic: str
    # The address, sealed to notify's public key (`shared/sealing.py`) with `context()`:
    # only notify can open it; no store it passes through can read it.
    sealed: str = ""
    email: str | None = None  # in the clear: only in events from before addresses were sealed
    replies: bool = True  # e-mail me replies to this comment
    follow_thread: bool = False  # e-mail me every new comment on this article

    @staticmethod
    def context(comment_id: int) -> str:
        """What the sealed address is bound to: this event type and comment."""
        return f"burg {SubscriptionRequested.type} {comment_id}"


class RecoveryRequested(Event):
    """Comments publishes it when someone asks for a recovery link by e-mail (`/me/recover`);
    only notify consumes it, because it carries the address they typed. Notify answers with
    `recovery.wanted` only if that address is confirmed and commenters gave it."""

    type: ClassVar[str] = "recovery.requested"
    personal: ClassVar[bool] = True
    request_id: str  # made by comments; names the request in the events that follow
    # The address, sealed to notify's public key with `context()`, as in `subscription.*`.
    sealed: str

    @staticmethod
    def context(request_id: str) -> str:
        """What the sealed address is bound to: this event type and request."""
        return f"burg {RecoveryRequested.type} {request_id}"


class RecoveryWanted(Event):
    """Notify publishes it for a `recovery.requested` whose address is confirmed: the
    commenters who gave that address with a comment (its subscriptions say who); comments
    consumes it, makes each a one-time link code and answers with `recovery.codes`. Only
    notify's id of the address travels."""

    type: ClassVar[str] = "recovery.wanted"
    request_id: str
    address_id: int
    commenter_ids: list[int]


class RecoveryCodes(Event):
    """Comments publishes it with a one-time code per commenter of a `recovery.wanted`,
    sealed to notify's key; notify consumes it and e-mails the links to the address."""

    type: ClassVar[str] = "recovery.codes"
    personal: ClassVar[bool] = True  # the codes open commenters: emptied once confirmed
    request_id: str
    address_id: int
    # {"links": [{"nic": …, "code": …}, …], "expires_at": ISO time}, sealed with `context()`.
    sealed: str

    @staticmethod
    def context(request_id: str) -> str:
        """What the sealed codes are bound to: this event type and request."""
        return f"burg {RecoveryCodes.type} {request_id}"


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (CategoryCreated, CategoryUpdated, ArticlePublished, ArticleUpdated,
                ArticleRetracted, CommentCreated, CommentRestored, CommentEdited, CommentRemoved,
                CommenterForgotten, EditorAuthorized, EditorRevoked, SubscriptionRequested,
                RecoveryRequested, RecoveryWanted, RecoveryCodes)
}

# The services behind the web frontend, each with its own database, queue and worker: the one
# list every process table, metric, deployment check and test fixture reads.
SERVICES: tuple[str, ...] = ("posts", "comments", "notify", "feeds", "search")

# Which services receive which event type: one queue (and one copy) per consumer, sent in
# this order. The feeds come first: readers wait for a new article in its category's feed,
# while nobody waits on the comments' and search's copies (their workers, sharing the cores,
# would otherwise start before the feeds' does).
ROUTES: dict[str, tuple[str, ...]] = {
    "category.created": ("feeds",),
    "category.updated": ("feeds",),
    "article.published": ("feeds", "comments", "search"),
    "article.updated": ("feeds", "comments", "search"),
    "article.retracted": ("feeds", "comments", "search"),
    "comment.created": ("feeds", "notify", "search"),
    "comment.restored": ("feeds", "search"),
    "comment.edited": ("feeds", "search"),
    "comment.removed": ("feeds", "notify", "search"),
    "commenter.forgotten": ("notify",),
    "editor.authorized": ("comments",),
    "editor.revoked": ("comments",),
    "subscription.requested": ("notify",),
    "recovery.requested": ("notify",),
    "recovery.wanted": ("comments",),
    "recovery.codes": ("notify",),
}
# Consumers that want only some events of a type, by what the event says: notify cares for a
# new comment only when the comment it answers asked for reply e-mail, or someone follows the
# article's thread.
ONLY_IF: dict[tuple[str, str], Callable[[dict[str, Any]], bool]] = {
    ("comment.created", "notify"): lambda data: bool(data.get("parent_wants_replies")
                                                     or data.get("thread_followed")),
}


def consumers(envelope: dict[str, Any]) -> list[str]:
    """The services whose queues this envelope (as JSON) goes to."""
    kind = envelope["type"]
    return [consumer for consumer in ROUTES.get(kind, ())
            if (kind, consumer) not in ONLY_IF or ONLY_IF[kind, consumer](envelope["data"])]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


# Where a use case reads the time, given to it: `utcnow` when running, in a test one that it
# moves on instead of sleeping until a retry, a lease or a window comes round.
Clock = Callable[[], datetime]


class Envelope(BaseModel):
    """What travels on the queue: the event's id, type and time, its producer, its data."""

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    version: int = 1
    occurred_at: UtcTime = Field(default_factory=utcnow)
    producer: str
    data: dict[str, Any]
    request_id: str | None = None  # of the API request that caused it, for the logs

    @classmethod
    def wrap(cls, event: Event, *, producer: str, request_id: str | None = None) -> "Envelope":
        """Put a typed event in a new envelope."""
        return cls(type=event.type, producer=producer, data=event.model_dump(mode="json"),
                   request_id=request_id)

    def event(self) -> Event:
        """The typed event inside; raises KeyError for a type not in the catalogue."""
        return EVENT_TYPES[self.type].model_validate(self.data)
