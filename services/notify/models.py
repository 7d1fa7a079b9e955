"""The notify service's tables: who wants reply e-mails, and every e-mail sent."""

from datetime import datetime

from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from shared.events import utcnow


class NotifyTable(SQLModel, registry=registry()):
    """Base of this service's tables: their own metadata, apart from other services'."""


class Subscription(NotifyTable, table=True):
    """A commenter asked to hear of replies to one of their comments."""

    id: int | None = Field(default=None, primary_key=True)
    comment_id: int = Field(unique=True)  # the comments service's id
    article_id: int = Field(index=True)
    commenter_id: int = Field(index=True)
    nic: str
    email: str
    created_at: datetime = Field(default_factory=utcnow)
    active: bool = True


class SentEmail(NotifyTable, table=True):
    """One e-mail per idempotency key (reply id + recipient), with its outcome."""

    key: str = Field(primary_key=True, max_length=200)
    message_id: str
    recipient: str
    status: str  # "sent" or "failed"
    error: str | None = None
    created_at: datetime = Field(default_factory=utcnow)
