"""The comments service as its use-case tests wire it: told (through its inbox) of article 1,
open for a week, and of the editor "Steve White"; notify's key pair for sealed addresses."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from services.comments import posting
from services.comments.models import (
    ArticleReplica,
    Comment,
    CommentCreate,
    CommentsTable,
    CommentStatus,
)
from services.comments.settings import CommentsSettings
from services.comments.tasks import handlers
from shared.events import ArticlePublished, EditorAuthorized, editor_token_hash, utcnow
from shared.sealing import new_private_key, public_key_of
from tests.usecases.conftest import Wired, wire

PRIVATE = new_private_key()  # notify's
SETTINGS = CommentsSettings(notify_public_key=public_key_of(PRIVATE))
EDITOR_TOKEN = "editor-token"
HANDLERS = handlers(SETTINGS)  # the service's own routing table


def article(event: type[ArticlePublished] = ArticlePublished, *, closes_in: float = 7,
            updated_after: float = 0) -> ArticlePublished:
    """Article 1 as posts describes it, its comments closing `closes_in` days from now."""
    now = utcnow()
    return event(article_id=1, slug="ferry", url="https://burg.example/articles/ferry",
                 title="Ferry", category_slug="sea", category_name="Sea", posted_by="Ed",
                 dateline=date(2026, 5, 4), summary="", body_html="<p>x</p>",
                 published_at=now, updated_at=now + timedelta(seconds=updated_after),
                 comments_close_at=now + timedelta(days=closes_in))


@contextmanager
def comments_service(tmp_path: Path) -> Iterator[Wired]:
    with wire(tmp_path, "comments", CommentsTable.metadata, HANDLERS) as wired:
        wired.handle(article())
        wired.handle(EditorAuthorized(nic="Steve White", token_hash=editor_token_hash(
            EDITOR_TOKEN), version=1))
        yield wired


def post(comments: Wired, body: str = "A comment.", *, token: str | None = None,
         settings: CommentsSettings = SETTINGS, nic: str = "Frank G",
         **fields: Any) -> tuple[Comment, str | None]:
    """Post on article 1 (or `article_id`) as `token`'s commenter, or a new one."""
    with comments.session() as session:
        return posting.post_comment(session=session, outbox=comments.outbox, settings=settings,
                                    article_id=fields.pop("article_id", 1),
                                    data=CommentCreate(nic=nic, body=body, **fields),
                                    token=token)


def count(comments: Wired) -> int:
    """Article 1's count of public comments."""
    with comments.session() as session:
        return session.get_one(ArticleReplica, 1).comment_count


def status(comments: Wired, comment_id: int | None) -> CommentStatus:
    with comments.session() as session:
        return session.get_one(Comment, comment_id).status
