"""The comments service's replica of articles when several workers apply the posts service's
events out of order: the newest state wins."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from services.comments import replica
from services.comments.models import ArticleReplica
from shared.db import make_engine, make_session_factory
from shared.events import ArticleRetracted, ArticleUpdated
from tests.databases import database_url, migrated

NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)


def updated(at: datetime, closes: datetime | None) -> ArticleUpdated:
    return ArticleUpdated(
        article_id=1, slug="ferry", url="https://burg.example/articles/ferry", title="Ferry",
        category_slug="sea", category_name="Sea", posted_by="Ed", dateline=date(2026, 5, 4),
        summary="", body_html="<p>x</p>", published_at=NOON, updated_at=at,
        comments_close_at=closes)


def test_an_older_event_arriving_later_changes_nothing(tmp_path: Path) -> None:
    sessions = make_session_factory(make_engine(
        migrated("comments", database_url(tmp_path, "comments"))))

    def apply(handler, event) -> ArticleReplica | None:  # type: ignore[no-untyped-def]
        with sessions() as session:
            handler(session, event)
            session.commit()
            return session.get(ArticleReplica, 1)

    # Closed at 12:05, then reopened at 12:10; the workers apply them the other way round.
    reopened = apply(replica.on_article_published, updated(NOON + timedelta(minutes=10), None))
    assert reopened is not None and reopened.comments_close_at is None
    late = apply(replica.on_article_published, updated(NOON + timedelta(minutes=5), NOON))
    assert late is not None and late.comments_close_at is None  # still open

    # Retracted at 12:20; a publication of 12:15 arriving after it does not bring it back.
    gone = apply(replica.on_article_retracted, ArticleRetracted(
        article_id=1, category_slug="sea", retracted_at=NOON + timedelta(minutes=20)))
    assert gone is not None and gone.retracted
    stale = apply(replica.on_article_published, updated(NOON + timedelta(minutes=15), None))
    assert stale is not None and stale.retracted


def test_a_retraction_that_comes_before_its_publication_is_kept(tmp_path: Path) -> None:
    sessions = make_session_factory(make_engine(
        migrated("comments", database_url(tmp_path, "comments"))))
    with sessions() as session:
        replica.on_article_retracted(session, ArticleRetracted(
            article_id=1, category_slug="sea", retracted_at=NOON + timedelta(minutes=1)))
        replica.on_article_published(session, updated(NOON, None))
        session.commit()
        article = session.get_one(ArticleReplica, 1)
        assert article.retracted
