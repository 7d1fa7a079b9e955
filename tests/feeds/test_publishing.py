"""Storing rendered documents, in process (a migrated database, no broker): the feed's own time
is the time its content last changed, equal content keeps its bytes, and each document keeps
its gzip form."""

import gzip
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from alembic import command
from sqlmodel import Session, col, update

from services.feeds.documents import publish
from services.feeds.migrate import MIGRATIONS
from services.feeds.models import FeedDocument, FeedsTable
from services.feeds.render import Entry, Feed
from services.feeds.settings import FeedsSettings
from shared.db import make_engine
from shared.http import strong_etag
from shared.migrations import config
from shared.runtime import with_event_tables
from tests.databases import database_url, migrated, sql

ATOM = "{http://www.w3.org/2005/Atom}"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SETTINGS = FeedsSettings(site_url="https://burg.example", feeds_url="https://burg.example")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(migrated("feeds", database_url(tmp_path, "feeds")))
    with Session(engine) as session:
        yield session
    engine.dispose()


def entry(number: int, at: datetime) -> Entry:
    return Entry(id=f"tag:burg.example,2025:article-{number}", title=f"Article {number}",
                 link=f"https://burg.example/a/{number}", author="ed", published=at,
                 updated=at, summary="s", content_html="<p>b</p>")


def feed(*entries: Entry) -> Feed:
    return Feed(path_stem="categories/world", title="Burg: World", description="World news",
                page_url="https://burg.example/categories/world", entries=list(entries))


def stored(session: Session, fmt: str) -> FeedDocument:
    document = session.get(FeedDocument, f"categories/world.{fmt}")
    assert document is not None
    session.refresh(document)
    return document


def feed_times(session: Session) -> tuple[str, str]:
    """The Atom feed's <updated> and the RSS channel's <lastBuildDate>."""
    atom = ElementTree.fromstring(stored(session, "atom").body)
    rss = ElementTree.fromstring(stored(session, "rss").body)
    return atom.findtext(f"{ATOM}updated") or "", rss.findtext("channel/lastBuildDate") or ""


def test_removing_the_newest_entry_moves_the_feeds_time_forward(session: Session) -> None:
    older, newer = entry(1, T0 - timedelta(days=2)), entry(2, T0 - timedelta(days=1))
    publish(session, SETTINGS, feed(newer, older), now=T0)
    session.commit()
    assert feed_times(session) == ("2026-03-01T12:00:00+00:00", "Sun, 01 Mar 2026 12:00:00 +0000")

    later = T0 + timedelta(hours=3)
    publish(session, SETTINGS, feed(older), now=later)  # the newest entry is retracted
    session.commit()
    assert feed_times(session) == ("2026-03-01T15:00:00+00:00", "Sun, 01 Mar 2026 15:00:00 +0000")
    for fmt in ("rss", "atom", "json"):
        assert stored(session, fmt).last_modified.replace(tzinfo=UTC) == later


def test_a_feeds_time_never_goes_back_when_an_entry_leaves(session: Session) -> None:
    older, newer = entry(1, T0 - timedelta(days=2)), entry(2, T0 - timedelta(days=1))
    publish(session, SETTINGS, feed(newer, older))
    session.commit()
    before = datetime.fromisoformat(feed_times(session)[0])
    publish(session, SETTINGS, feed(older))
    session.commit()
    assert datetime.fromisoformat(feed_times(session)[0]) >= before


def test_equal_content_keeps_its_bytes_and_time(session: Session) -> None:
    content = feed(entry(1, T0 - timedelta(days=1)))
    publish(session, SETTINGS, content, now=T0)
    session.commit()
    before = {fmt: (stored(session, fmt).body, stored(session, fmt).etag) for fmt in
              ("rss", "atom", "json")}
    publish(session, SETTINGS, content, now=T0 + timedelta(days=5))
    session.commit()
    for fmt, (body, etag) in before.items():
        document = stored(session, fmt)
        assert (document.body, document.etag, document.revision) == (body, etag, 1)
        assert document.last_modified.replace(tzinfo=UTC) == T0


def test_a_change_to_one_format_alone_leaves_the_others(session: Session) -> None:
    first = entry(1, T0 - timedelta(days=1))
    publish(session, SETTINGS, feed(first), now=T0)
    session.commit()
    rss = stored(session, "rss").body
    # A new `updated` time shows in Atom and JSON Feed; an RSS item has no such date.
    touched = Entry(**{**first.__dict__, "updated": T0 + timedelta(hours=1)})
    publish(session, SETTINGS, feed(touched), now=T0 + timedelta(hours=2))
    session.commit()
    assert stored(session, "rss").body == rss and stored(session, "rss").revision == 1
    assert stored(session, "atom").revision == stored(session, "json").revision == 2
    assert b"2026-03-01T14:00:00+00:00" in stored(session, "atom").body


def test_each_document_keeps_its_gzip_form(session: Session) -> None:
    publish(session, SETTINGS, feed(entry(1, T0)), now=T0)
    session.commit()
    for fmt in ("rss", "atom", "json"):
        document = stored(session, fmt)
        assert gzip.decompress(document.body_gzip) == document.body
        assert len(document.body_gzip) < len(document.body)


def test_documents_stored_before_the_gzip_column_get_theirs(tmp_path: Path) -> None:
    url = database_url(tmp_path, "feeds")
    metadata = with_event_tables(FeedsTable.metadata)
    command.upgrade(config(url, metadata, MIGRATIONS), "7c6355b166a0")
    sql(url, "INSERT INTO feeddocument (path, title, content_type, body, etag, last_modified, "
             "revision) VALUES ('site.rss', 'Burg', 'application/rss+xml', :body, '\"e\"', "
             ":at, 3)", body=b"<rss>" * 100, at=datetime(2026, 1, 1))
    migrated("feeds", url)
    [(body, packed)] = sql(url, "SELECT body, body_gzip FROM feeddocument")
    assert gzip.decompress(bytes(packed)) == bytes(body) == b"<rss>" * 100


def test_a_document_another_worker_stored_meanwhile_is_compared_by_its_own_bytes(
        session: Session) -> None:
    """This process remembers what it stored (to spare hashing it again): a document stored
    since by another worker is not taken for it."""
    content = feed(entry(1, T0 - timedelta(days=1)))
    publish(session, SETTINGS, content, now=T0)
    session.commit()
    theirs = feed(entry(2, T0))
    publish(session, SETTINGS, theirs, now=T0 + timedelta(hours=1))
    session.commit()
    mine = stored(session, "rss").body
    # Another worker stores the first content again, at the time it had.
    publish(session, SETTINGS, content, now=T0 + timedelta(hours=2))
    session.commit()
    path = stored(session, "rss").path
    session.execute(update(FeedDocument).where(col(FeedDocument.path) == path)
                    .values(body=mine, etag=strong_etag(mine)))
    session.commit()
    publish(session, SETTINGS, content, now=T0 + timedelta(hours=3))
    session.commit()
    body = stored(session, "rss").body
    assert b"article-1<" in body and b"article-2<" not in body
