"""In process: documents rendered before text was escaped for readers are not served on after
the upgrade: the migration marks every stored document stale, and the renders that follow (the
worker's periodic round) replace their live markup."""

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlmodel import Session, select

from services.feeds import comment_feeds, feeding
from services.feeds.migrate import MIGRATIONS
from services.feeds.models import (
    FeedArticle,
    FeedCategory,
    FeedComment,
    FeedDocument,
    FeedsTable,
    FeedStale,
)
from services.feeds.settings import FeedsSettings
from shared.db import make_engine
from shared.migrations import config
from shared.runtime import with_event_tables
from tests.databases import database_url, migrated, sql
from tests.feeds.reader import executable, html_fields
from tests.feeds.strict import assert_strict

SETTINGS = FeedsSettings(site_url="https://burg.example", feeds_url="https://burg.example")
NOON = datetime(2026, 5, 4, 12, tzinfo=UTC)
LIVE = "<img src=x onerror=alert(1)>"
PATHS = ["site.rss", "comments.atom", "categories/iraq.rss", "categories/iraq.json",
         "articles/12/comments.rss", "articles/12/comments.json"]


def test_documents_stored_before_the_upgrade_render_again(tmp_path: Path) -> None:
    url = database_url(tmp_path, "feeds")
    command.upgrade(config(url, with_event_tables(FeedsTable.metadata), MIGRATIONS),
                    "3f1d0c2a9b7e")
    for path in PATHS:  # as the old code rendered them: live markup in a description
        body = f"<rss><channel><description>{LIVE}</description></channel></rss>".encode()
        sql(url, "INSERT INTO feeddocument (path, title, content_type, body, body_gzip, etag, "
                 "last_modified, revision) VALUES (:path, 'T', 'application/rss+xml', :body, "
                 ":body, '\"e\"', :at, 1)", path=path, body=body, at=datetime(2026, 1, 1))
    sql(url, "INSERT INTO feedstale (key, version, since, event_id, event_type, attempts) "
             "VALUES ('site', 4, :at, 'e-1', 'article.published', 0)", at=datetime(2026, 1, 1))
    migrated("feeds", url)
    engine = make_engine(url)
    with Session(engine) as session:
        rows = {row.key: row for row in session.exec(select(FeedStale))}
        assert set(rows) == {"site", "comments", "category:iraq", "article:12"}
        assert rows["site"].version == 4  # a pending change keeps its own mark
        # What the read model holds, and what the worker's round does with each stale key.
        session.add(FeedCategory(slug="iraq", name=LIVE, description=LIVE))
        session.add(FeedArticle(
            article_id=12, slug="a", url="https://burg.example/articles/a", title=LIVE,
            category_slug="iraq", category_name=LIVE, posted_by="Ed", summary=LIVE,
            body_html=f"<p>{LIVE}</p>", published_at=NOON, updated_at=NOON))
        session.add(FeedComment(
            comment_id=1, article_id=12, article_title=LIVE, article_url="https://burg.example/a",
            nic=LIVE, summary=LIVE, body_html=LIVE, created_at=NOON, updated_at=NOON))
        session.commit()
        feeding.render_site(session=session, settings=SETTINGS)
        feeding.render_category(session=session, settings=SETTINGS, category_slug="iraq")
        comment_feeds.render_latest(session=session, settings=SETTINGS)
        comment_feeds.render_article(session=session, settings=SETTINGS, article_id=12)
        session.commit()
        documents = {d.path: d.body for d in session.exec(select(FeedDocument))}
    engine.dispose()
    assert set(PATHS) <= set(documents)
    for path, body in documents.items():
        assert_strict(path, body)
        assert {w: executable(h) for w, h in html_fields(path, body) if executable(h)} == {}
