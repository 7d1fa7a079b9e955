"""`python -m services.posts.cli import-wordpress FILE --editor NIC`, run in process on a
migrated database of its own: categories and published posts become categories and published
articles with their events; what is not imported is counted with its reason; a second run
changes nothing and a stopped one continues; the file is read strictly, in its declared
encoding, with no entity expanded.

The service's events go to a Redis database of their own (`in_process_redis_url`), so that
the old articles imported here reach no consumer of the test stack.
"""

import itertools
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from services.posts.bootstrap import Service
from services.posts.categories import create_category
from services.posts.editors import create_editor, revoke_editor
from services.posts.importing import import_wordpress
from services.posts.models import (
    Article,
    ArticleStatus,
    ArticleUpdate,
    Category,
    CategoryCreate,
    ImportedRecord,
)
from services.posts.wordpress import NotWordPressExport, WpItem
from shared.importing import Summary
from tests.posts.importing import articles, categories, cli, events, utc
from tests.posts.wxr import Post, wxr

SAMPLE = Path(__file__).parent / "samples" / "wordpress.xml"









def by_link(service: Service) -> dict[str | None, Article]:
    """The articles by their address on the old site."""
    return {a.imported_from: a for a in articles(service).values()}






def everything(service: Service) -> list[Any]:
    """Every row of the tables an import writes, in a comparable form."""
    with Session(service.runtime.engine) as session:
        return [sorted(repr(row.model_dump()) for row in session.exec(select(model)).all())
                for model in (Article, Category, ImportedRecord)]


def site(*posts: Post, **options: Any) -> bytes:
    return wxr(list(posts), **options)


def run(service: Service, tmp_path: Path, content: bytes, **options: Any) -> Summary:
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    return import_wordpress(sessions=service.runtime.sessions, outbox=service.runtime.outbox,
                            settings=service.settings, path=path, editor_nic="Nic",
                            shown=lambda items, what, count: items, **options)


def test_the_sample_site_becomes_categories_and_published_articles(
        posts: Service, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(posts, "import-wordpress", str(SAMPLE), "--editor", "Nic") == 0
    out = capsys.readouterr().out
    assert "article: 4 imported, 0 already here, 9 skipped" in out
    assert "category: 4 imported, 0 already here, 0 skipped" in out

    made = categories(posts)
    assert {slug: c.name for slug, c in made.items()} == {
        "uncategorized": "Uncategorized", "frontier-news": "Frontier News",
        "quiet-corner": "Quiet Corner", "dispatches": "Dispatches"}
    assert made["frontier-news"].description == "What happens out there & why"
    created = events(posts, "category.created")
    assert sorted(e["slug"] for e in created) == sorted(made)

    found = by_link(posts)
    assert len(found) == 4
    caravan = found["https://outpost.example/2015/03/caravan-reaches-the-oasis/"]
    assert caravan.title == "Caravan reaches the oasis"
    assert caravan.slug == "caravan-reaches-the-oasis"
    assert caravan.status == ArticleStatus.published
    assert caravan.category_id == made["frontier-news"].id  # the first of its two
    assert caravan.posted_by == "Fred the Frontiersman"
    published = datetime(2015, 3, 1, 9, 30, tzinfo=UTC)
    assert utc(caravan.published_at) == published
    assert utc(caravan.created_at) == utc(caravan.updated_at) == published
    assert caravan.dateline == date(2015, 3, 1)
    assert utc(caravan.comments_close_at) == published + timedelta(
        days=posts.settings.comments_open_days)
    assert "arrived" in caravan.body and "Forty camels" in caravan.body
    assert "arrived" in caravan.body_html and "<p>" not in caravan.body

    # Closed comments stay closed; the dateline is the old site's local date; HTML in the
    # title is its text; a long display name is cut to the column; scripts do not survive.
    storm = found["https://outpost.example/2016/07/sandstorm/"]
    assert storm.title == "Sandstorm & silence on the \u201cridge\u201d"
    assert utc(storm.comments_close_at) == utc(storm.published_at)
    assert storm.dateline == date(2016, 7, 5)
    assert storm.category_id == made["quiet-corner"].id
    assert storm.posted_by == "Bartholomew Maximilian Ponsonby-Smythe\u2026"
    assert "Visibility fell" in storm.body and "We waited it out" in storm.body
    for text in (storm.body, storm.body_html):
        assert "alert" not in text and "script" not in text and "cookies" not in text

    # No title, no category, no slug, no GMT date, an author the file does not list.
    aside = found["https://outpost.example/?p=12"]
    assert aside.title == "(no title)" and aside.slug == "post-12"
    assert aside.category_id == made["uncategorized"].id
    assert utc(aside.published_at) == datetime(2017, 1, 15, 8, tzinfo=UTC)
    assert aside.posted_by == "ghost"

    # Its slug was taken (by the sandstorm post): suffixed, as a new article's would be.
    dispatch = found["https://outpost.example/2019/05/dispatch/"]
    assert dispatch.slug == "sandstorm-2" and dispatch.category_id == made["dispatches"].id

    published_events = events(posts, "article.published")
    assert sorted(e["imported_from"] for e in published_events) == sorted(map(str, found))
    by_id = {e["article_id"]: e for e in published_events}
    assert by_id[caravan.id]["url"].endswith("/articles/caravan-reaches-the-oasis")
    assert by_id[caravan.id]["category_slug"] == "frontier-news"
    assert by_id[storm.id]["title"] == storm.title
    assert "script" not in by_id[storm.id]["body_html"]


def test_what_is_not_imported_is_named_with_its_reason(
        posts: Service, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(posts, "import-wordpress", str(SAMPLE), "--editor", "Nic") == 0
    out = capsys.readouterr().out
    for reason in ("not a post (page) (ids 20)", "not a post (attachment) (ids 21)",
                   "not a post (nav_menu_item) (ids 22)",
                   "not published (status draft) (ids 23)",
                   "not published (status private) (ids 24)",
                   "not published (status trash) (ids 25)",
                   "password-protected (importing would make it public) (ids 26)",
                   "its wp:post_id came earlier in the file (ids 10)",
                   "no text in its body (ids 27)"):
        assert reason in out, out
    titles = {a.title for a in articles(posts).values()}
    for left_out in ("About the outpost", "camel.jpg", "Home", "Half-written dispatch",
                     "Private notes", "Thrown away", "Members only", "Image only",
                     "Caravan reaches the oasis (again)"):
        assert left_out not in titles


def test_a_second_run_changes_nothing(posts: Service,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(posts, "import-wordpress", str(SAMPLE), "--editor", "Nic") == 0
    rows = everything(posts)
    outbox = events(posts, "article.published") + events(posts, "category.created")
    capsys.readouterr()
    assert cli(posts, "import-wordpress", str(SAMPLE), "--editor", "Nic") == 0
    out = capsys.readouterr().out
    assert "article: 0 imported, 4 already here, 9 skipped" in out
    assert "category: 0 imported, 4 already here, 0 skipped" in out
    assert everything(posts) == rows
    assert events(posts, "article.published") + events(posts, "category.created") == outbox
    assert events(posts, "article.updated") == []


def test_a_stopped_import_continues_where_it_stopped(posts: Service, tmp_path: Path) -> None:
    content = site(*(Post(str(n), f"Post {n}", post_name=f"post-{n}") for n in range(1, 8)))

    def interrupted(items: Iterable[WpItem], what: str, count: int) -> Iterator[WpItem]:
        assert count == 7
        for n, item in enumerate(items, 1):
            yield item
            if n == 5:  # in the middle of the third batch of two
                raise KeyboardInterrupt

    path = tmp_path / "export.xml"
    path.write_bytes(content)
    stopped = Summary()
    with pytest.raises(KeyboardInterrupt):
        import_wordpress(sessions=posts.runtime.sessions, outbox=posts.runtime.outbox,
                         settings=posts.settings, path=path, editor_nic="Nic", batch=2,
                         summary=stopped, shown=interrupted)
    assert stopped.made["article"] == 4  # two batches committed; the fifth post was lost
    assert sorted(a.title for a in articles(posts).values()) == [f"Post {n}" for n in range(1, 5)]

    summary = run(posts, tmp_path, content, batch=2)
    assert (summary.made["article"], summary.kept["article"]) == (3, 4)
    found = articles(posts)
    assert sorted(a.title for a in found.values()) == [f"Post {n}" for n in range(1, 8)]
    published = events(posts, "article.published")
    assert sorted(e["article_id"] for e in published) == sorted(a.id or 0 for a in found.values())
    with Session(posts.runtime.engine) as session:
        records = session.exec(select(ImportedRecord).where(
            col(ImportedRecord.kind) == "article")).all()
    assert sorted(int(r.source_id) for r in records) == list(range(1, 8))


def test_a_file_declared_iso_8859_1_is_read_in_that_encoding(posts: Service,
                                                             tmp_path: Path) -> None:
    # Bytes 0x93 and 0x94: windows-1252's curly quotes in a file that says ISO-8859-1.
    content = site(Post("1", "Caf\u00e9 in Z\u00fcrich", post_name="cafe",
                        content="<p>Cr\u00e8me br\u00fbl\u00e9e, \x93they said\x94.</p>",
                        creator="j\u00f6rg"),
                   encoding="ISO-8859-1", authors={"j\u00f6rg": "J\u00f6rg M\u00fcller"})
    assert b"Caf\xe9" in content and b"\x93they said\x94" in content
    run(posts, tmp_path, content)
    (article,) = articles(posts).values()
    assert article.title == "Caf\u00e9 in Z\u00fcrich"
    assert article.body == "Cr\u00e8me br\u00fbl\u00e9e, \u201cthey said\u201d."
    assert article.posted_by == "J\u00f6rg M\u00fcller"


def test_a_windows_1252_file_and_an_older_wxr_version_are_read(posts: Service,
                                                               tmp_path: Path) -> None:
    content = site(Post("1", "\u20ac5 for a \u2018coffee\u2019", post_name="coffee"),
                   encoding="windows-1252", namespace="http://wordpress.org/export/1.0/")
    assert b"\x805 for a \x91coffee\x92" in content
    run(posts, tmp_path, content)
    (article,) = articles(posts).values()
    assert article.title == "\u20ac5 for a \u2018coffee\u2019"


def test_entities_are_not_expanded_nor_files_read(posts: Service, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the launch codes")
    prolog = (f'<!DOCTYPE rss [<!ENTITY secret SYSTEM "file://{secret}">'
              '<!ENTITY lol "lol"><!ENTITY lols "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n')
    post = Post("1", "Leaky", post_name="leaky")
    content = site(post, prolog=prolog).replace(
        b"<title>Leaky</title>", b"<title>Leaky &secret; &lols;</title>")
    run(posts, tmp_path, content)
    (article,) = articles(posts).values()
    assert article.title == "Leaky &secret; &lols;"  # as written, never expanded


@pytest.mark.parametrize(("content", "message"), [
    (site(Post("1", "Cut short"))[:-40], "not well-formed XML"),
    (b"<?xml version='1.0'?><rss version='2.0'><channel><item><title>A feed</title></item>"
     b"</channel></rss>", "not a WordPress export"),
    (b"", "not well-formed XML"),
])
def test_a_file_that_is_no_wordpress_export_is_refused_and_changes_nothing(
        posts: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        content: bytes, message: str) -> None:
    path = tmp_path / "export.xml"
    path.write_bytes(content)
    assert cli(posts, "import-wordpress", str(path), "--editor", "Nic") == 1
    assert message in capsys.readouterr().err
    assert articles(posts) == {} and categories(posts) == {}
    assert cli(posts, "import-wordpress", str(tmp_path / "none.xml"), "--editor", "Nic") == 1
    assert "cannot read" in capsys.readouterr().err


def test_an_unknown_or_revoked_editor_is_refused_and_nothing_is_imported(
        posts: Service, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(posts, "import-wordpress", str(SAMPLE), "--editor", "Nobody") == 1
    err = capsys.readouterr().err
    assert "error: no editor 'Nobody'" in err and "create-editor" in err
    with posts.runtime.sessions() as session:
        create_editor(session=session, outbox=posts.runtime.outbox, nic="Gone")
        revoke_editor(session=session, outbox=posts.runtime.outbox, nic="Gone")
    assert cli(posts, "import-wordpress", str(SAMPLE), "--editor", "Gone") == 1
    assert "error: the editor 'Gone' was revoked" in capsys.readouterr().err
    assert articles(posts) == {} and categories(posts) == {}
    assert events(posts, "article.published") == events(posts, "category.created") == []


def test_an_existing_category_is_reused_and_a_taken_slug_suffixed(posts: Service,
                                                                  tmp_path: Path) -> None:
    with posts.runtime.sessions() as session:
        create_category(session=session, outbox=posts.runtime.outbox,
                        data=CategoryCreate(name="News"))
    content = site(Post("1", "First", post_name="same", categories=[("news", "News")]),
                   Post("2", "Second", post_name="same", categories=[("news", "News")]),
                   Post("3", "Third", post_name="same"))
    run(posts, tmp_path, content)
    assert [e["slug"] for e in events(posts, "category.created")] == ["news", "imported"]
    made = categories(posts)
    assert sorted(articles(posts)) == ["same", "same-2", "same-3"]
    assert {a.category_id for a in articles(posts).values()} == {made["news"].id,
                                                                  made["imported"].id}


def test_bodies_and_titles_too_long_or_without_a_date(posts: Service, tmp_path: Path) -> None:
    summary = run(posts, tmp_path, site(
        Post("1", "Huge", post_name="huge", content="<p>" + "word " * 20_001 + "</p>"),
        Post("2", "T" * 300, post_name="long-title"),
        Post("3", "Timeless", post_name="timeless", date_gmt="0000-00-00 00:00:00",
             date_local="0000-00-00 00:00:00", pub_date="Mon, 30 Nov -0001 00:00:00 +0000"),
        Post("4" * 201, "Long id", post_name="long-id"),
        Post("5", "Long category", post_name="long-category",
             categories=[("c" * 300, "Long one")])))
    assert summary.examples == {
        ("article", "body longer than 100000 characters once converted"): ["1"],
        ("article", "no date (wp:post_date_gmt, pubDate and wp:post_date all missing or out "
                    "of range)"): ["3"],
        ("article", "a wp:post_id longer than 200 characters"): ["4" * 201]}
    made = articles(posts)
    assert sorted(made) == ["long-category", "long-title"]
    assert len(made["long-title"].title) == 200 and made["long-title"].title.endswith("T\u2026")
    with Session(posts.runtime.engine) as session:
        records = session.exec(select(ImportedRecord.source_id).where(
            col(ImportedRecord.kind) == "category")).all()
    assert sorted(records) == ["c" * 200, "imported"] and "c" * 80 in categories(posts)


_post_ids = itertools.count(1000)
_hostile = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(title=_hostile, body=_hostile, author=_hostile, category=_hostile)
def test_whatever_the_texts_what_is_stored_passes_the_sites_own_rules(
        posts: Service, tmp_path: Path, title: str, body: str, author: str,
        category: str) -> None:
    post_id = str(next(_post_ids))
    content = site(Post(post_id, title, content=body, creator="x", post_name=title,
                        categories=[(category, category)]), authors={"x": author})
    # What XML 1.0 cannot hold at all makes the file not well-formed: refused whole.
    try:
        summary = run(posts, tmp_path, content)
    except NotWordPressExport as exc:
        assert "not well-formed XML" in str(exc), exc
        return
    assert sum(summary.made.values()) + sum(summary.kept.values()) + sum(
        summary.skipped.values()) >= 1
    for article in articles(posts).values():
        checked = ArticleUpdate(title=article.title, body=article.body)  # raises if refused
        assert checked.title == article.title and len(article.posted_by) <= 40
        assert article.slug and len(article.slug) <= 120
    for made in categories(posts).values():
        assert CategoryCreate(name=made.name).name == made.name


def test_a_burg_export_brings_its_markup_and_fields_back(posts: Service,
                                                         tmp_path: Path) -> None:
    """Burg's own WXR carries the markup as written and the fields WordPress has no place for
    in `_burg_…` meta: they are taken as the form would take them, a bad one left out."""
    run(posts, tmp_path, site(
        Post("1", "Kept whole", content="<p>HTML the markup is not read from</p>",
             post_name="kept", meta={
                 "_burg_markup": "[b]Bold[/b] and [ed]an editor's aside[/ed]\n\n[*] one",
                 "_burg_dateline": "2019-05-04", "_burg_dateline_place": "WASHINGTON",
                 "_burg_source_name": "The Wire", "_burg_source_url": "https://wire.example/1",
                 "_burg_source_note": "via a reader",
                 "_burg_comments_close_at": "2031-01-01T00:00:00+00:00"}),
        Post("2", "Bad fields left out", post_name="bad", meta={
            "_burg_source_url": "javascript:alert(1)", "_burg_dateline": "not a date",
            "_burg_dateline_place": "TWO\nLINES"}),
        categories={"news": "Tom &amp; Jerry"}))
    kept, bad = articles(posts)["kept"], articles(posts)["bad"]
    assert kept.body == "[b]Bold[/b] and [ed]an editor's aside[/ed]\n\n[*] one"
    assert "<strong>Bold</strong>" in kept.body_html and "HTML the markup" not in kept.body_html
    assert (kept.dateline, kept.dateline_place) == (date(2019, 5, 4), "WASHINGTON")
    assert (kept.source_name, kept.source_url, kept.source_note) == (
        "The Wire", "https://wire.example/1", "via a reader")
    assert utc(kept.comments_close_at) == datetime(2031, 1, 1, tzinfo=UTC)
    assert bad.source_url is None and bad.dateline == date(2020, 1, 2)
    assert bad.dateline_place == "" and "Something happened" in bad.body
    # WordPress keeps a category's name HTML-escaped: it is read back as text.
    assert categories(posts)["news"].name == "Tom & Jerry"

