"""The notify service's tables (addresses and their consent, who wants which e-mail, and every
e-mail with its outcome) and the shapes its API reads and returns."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import field_validator
from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from services.notify.tokens import Purpose
from shared.db import stored_as_text
from shared.events import utcnow
from shared.text import one_line


class NotifyTable(SQLModel, registry=registry()):
    """Base of this service's tables: their own metadata, apart from other services'."""


class Consent(StrEnum):
    unconfirmed = "unconfirmed"  # a confirmation e-mail went out; nothing else goes out yet
    confirmed = "confirmed"  # its owner clicked the confirmation: reply e-mails go out
    unsubscribed = "unsubscribed"  # its owner said stop: nothing goes out
    bounced = "bounced"  # the mail server refused it for good: nothing goes out


class Address(NotifyTable, table=True):
    """An e-mail address and its owner's consent (double opt-in)."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)  # as `shared.text.mail_key` writes it
    consent: Consent = Field(default=Consent.unconfirmed, sa_type=stored_as_text(Consent))
    confirmation_sent_at: datetime | None = None
    changed_at: datetime = Field(default_factory=utcnow)
    # When recovery links were last asked for it (`recovery.py`): one mail a quarter hour.
    recovery_asked_at: datetime | None = None


class Subscription(NotifyTable, table=True):
    """A commenter asked to hear of replies to one of their comments, or of every new comment
    on an article (then `comment_id` is the comment they asked with)."""

    __table_args__ = (UniqueConstraint("comment_id", "follows_thread"),)
    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(index=True)  # the comments service's id
    follows_thread: bool = False
    article_id: int = Field(index=True)
    commenter_id: int = Field(index=True)
    nic: str
    address_id: int = Field(foreign_key="address.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Status(StrEnum):
    waiting = "waiting"  # to send, at `next_attempt_at` or now
    held = "held"  # over the hourly limit: goes into the recipient's next digest
    sending = "sending"  # a sender claimed it until `claimed_until` (then it is up again)
    sent = "sent"
    failed = "failed"  # refused for good (5xx), or out of attempts: `burg notify retry-sends`
    cancelled = "cancelled"  # its comment was removed, or the address said stop, before it went
    folded = "folded"  # went out inside the digest `digest_key`


class Kind(StrEnum):
    reply = "reply"  # of a reply, or of a new comment in a followed thread
    confirm = "confirm"  # asks to confirm an address
    digest = "digest"  # replies held back by the hourly limit, together
    recovery = "recovery"  # links that bring a commenter back in a new browser, asked for


class Delivery(NotifyTable, table=True):
    """One e-mail under its idempotency key (e.g. `reply:<comment id>:<address id>`), what it
    tells (`content`), and its outcome. The Message-ID is derived from the key, so should the
    e-mail ever go out twice, mail clients see one message."""

    # The hourly limit counts an address's e-mails since a time, at every reply stored: by
    # this index it reads that hour's rows, not every e-mail the address ever had.
    __table_args__ = (Index("ix_delivery_address_id_created_at", "address_id", "created_at"),)

    key: str = Field(primary_key=True, max_length=200)
    kind: Kind = Field(sa_type=stored_as_text(Kind))
    address_id: int = Field(foreign_key="address.id")
    comment_id: int | None = Field(default=None, index=True)  # the reply it tells of
    article_id: int | None = None
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    message_id: str
    status: Status = Field(default=Status.waiting, index=True, sa_type=stored_as_text(Status))
    attempts: int = 0
    next_attempt_at: datetime | None = None
    claimed_until: datetime | None = None
    claim: str | None = Field(default=None, max_length=32)  # the sender holding it
    last_error: str | None = None
    digest_key: str | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    sent_at: datetime | None = None


class RemovedComment(NotifyTable, table=True):
    """A comment that was hidden or deleted: its creation event, should it come (or be
    retried) later, sends nothing."""

    comment_id: int = Field(primary_key=True)
    removed_at: datetime = Field(default_factory=utcnow)


class TokenIn(SQLModel):
    token: str = Field(min_length=1, max_length=2000)

    _lines = field_validator("token")(one_line)


class TokenCheck(TokenIn):
    purpose: Purpose


class AddressPublic(SQLModel):
    """The address a token names, as it stands after the call."""

    email: str
    consent: Consent
