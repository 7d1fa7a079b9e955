"""`python -m services.posts.cli import-burg FILE.json --editor NIC`: Burg's own JSON export
read back into the posts service (in process, on a database of its own; its events go to a
Redis database apart, `in_process_redis_url`): categories and articles come back as they
were written, by the same import as WordPress's; what is odd is skipped with its reason; a
file that is no Burg export is refused whole.
"""

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from services.posts import burg_json
from services.posts.bootstrap import Service
from services.posts.importing import import_records
from services.posts.models import ArticleUpdate, Category, CategoryCreate, ImportedRecord
from shared.importing import Summary
from tests.posts.importing import articles, categories, cli, events, utc
from tests.posts.wxr import Post, wxr

PUBLISHED = "2024-02-03T04:05:06.789012+00:00"





def article(article_id: Any, **fields: Any) -> dict[str, Any]:
    """An article as the export writes it (services/posts/exporting.py's ExportedArticle)."""
    return {"id": article_id, "slug": f"article-{article_id}",
            "url": f"https://old.example/articles/article-{article_id}",
            "title": f"Article {article_id}", "category": "news", "dateline": "2024-02-02",
            "dateline_place": "", "source_name": "", "source_url": None, "source_note": "",
            "posted_by": "Ed", "body": f"Words of article {article_id}.",
            "body_html": f"<p>Words of article {article_id}.</p>", "published_at": PUBLISHED,
            "updated_at": PUBLISHED, "comments_close_at": "2024-02-10T00:00:00+00:00",
            "comments": []} | fields


NEWS = {"slug": "news", "name": "News", "description": ""}


def export(*articles: Any, categories: Any = (NEWS,), **top: Any) -> bytes:
    return json.dumps({"burg_export": 1, "site": {"url": "https://old.example"},
                       "exported_at": PUBLISHED, "categories": list(categories),
                       "articles": list(articles), "nics": []} | top).encode()


def run(service: Service, tmp_path: Path, content: bytes, **options: Any) -> Summary:
    """Import `content` as the command does, without its progress bar."""
    path = tmp_path / "export.json"
    path.write_bytes(content)
    summary = Summary()
    options.setdefault("shown", lambda items, what, count: items)
    return import_records(sessions=service.runtime.sessions, outbox=service.runtime.outbox,
                          settings=service.settings, source=burg_json.SOURCE,
                          read=lambda: burg_json.read_burg(path, summary), editor_nic="Nic",
                          summary=summary, **options)








def records(service: Service) -> list[tuple[str, str, str]]:
    with Session(service.runtime.engine) as session:
        return sorted((r.source, r.kind, r.source_id)
                      for r in session.exec(select(ImportedRecord)).all())






def test_an_export_comes_back_as_it_was_written(posts: Service, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "burg.json"
    path.write_bytes(export(
        article(7, title="Tom & Jerry <live>", slug="tom-and-jerry", category="q-a",
                body="[b]Bold[/b] &amp; [ed]an aside[/ed]\n\n[*] one",
                body_html="<p>HTML the markup is not read from</p>",
                posted_by="Bob & <Carol>", dateline="2019-05-04", dateline_place="OSLO",
                source_name="Wire", source_url="https://wire.example/story?x=1",
                source_note="Translated.", comments_close_at="2031-01-01T00:00:00+00:00"),
        article(8, category="news"),
        categories=[NEWS, {"slug": "q-a", "name": "Q&A <live>", "description": "Q&A <now>"}]))
    assert cli(posts, "import-burg", str(path), "--editor", "Nic") == 0
    out = capsys.readouterr().out
    assert "article: 2 imported, 0 already here, 0 skipped" in out
    assert "category: 2 imported, 0 already here, 0 skipped" in out

    made = categories(posts)
    assert (made["q-a"].name, made["q-a"].description) == ("Q&A <live>", "Q&A <now>")
    tom = articles(posts)["tom-and-jerry"]
    assert (tom.title, tom.posted_by, tom.category_id) == (
        "Tom & Jerry <live>", "Bob & <Carol>", made["q-a"].id)
    assert tom.body == "[b]Bold[/b] &amp; [ed]an aside[/ed]\n\n[*] one"
    assert "<strong>Bold</strong>" in tom.body_html and "HTML the markup" not in tom.body_html
    assert (tom.dateline, tom.dateline_place) == (date(2019, 5, 4), "OSLO")
    assert (tom.source_name, tom.source_url, tom.source_note) == (
        "Wire", "https://wire.example/story?x=1", "Translated.")
    # To the microsecond: the JSON keeps what WordPress's times cannot.
    assert utc(tom.published_at) == datetime(2024, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
    assert utc(tom.comments_close_at) == datetime(2031, 1, 1, tzinfo=UTC)
    assert tom.imported_from == "https://old.example/articles/article-7"  # its old address
    assert articles(posts)["article-8"].category_id == made["news"].id
    assert records(posts) == [("burg", "article", "7"), ("burg", "article", "8"),
                              ("burg", "category", "news"), ("burg", "category", "q-a")]
    assert sorted(e["article_id"] for e in events(posts, "article.published")) == sorted(
        a.id or 0 for a in articles(posts).values())

    # Again: nothing changes.
    assert cli(posts, "import-burg", str(path), "--editor", "Nic") == 0
    assert "article: 0 imported, 2 already here, 0 skipped" in capsys.readouterr().out
    assert len(events(posts, "article.published")) == 2


def test_its_records_are_apart_from_wordpress_ones(posts: Service, tmp_path: Path) -> None:
    """Article 1 of a WordPress site and article 1 of a Burg site are two articles."""
    (tmp_path / "wp").mkdir()
    wp = tmp_path / "wp" / "export.xml"
    wp.write_bytes(wxr([Post("1", "From WordPress", post_name="from-wordpress")]))
    assert cli(posts, "import-wordpress", str(wp), "--editor", "Nic") == 0
    summary = run(posts, tmp_path, export(article(1, slug="from-burg")))
    assert summary.made["article"] == 1
    assert sorted(articles(posts)) == ["from-burg", "from-wordpress"]
    assert ("burg", "article", "1") in records(posts)
    assert ("wordpress", "article", "1") in records(posts)


def test_odd_records_are_skipped_with_their_reason(posts: Service, tmp_path: Path) -> None:
    summary = run(posts, tmp_path, export(
        article(1),
        article(1, slug="again"),  # a duplicate id
        article("2"), article(True), article(0), article(10 ** 40), "not an object",
        {"id": 3},  # nearly nothing
        article(4, title=5), article(5, body=None), article(6, published_at="yesterday"),
        article(7, published_at="0001-01-01T00:00:00+00:00"),
        article(8, comments_close_at=12), article(9, dateline_place=["OSLO"]),
        article(10, title="T" * 1_000_000, slug="huge-title"),
        article(11, body="word " * 30_000, slug="huge-body"),
        article(12, dateline="not a date", source_url="javascript:alert(1)", slug="bad-meta"),
        categories=[NEWS, {"slug": 3, "name": "Three"}, {"slug": "", "name": "Empty"}, []]))
    reasons = {reason: ids for (kind, reason), ids in summary.examples.items()}
    assert reasons == {
        "its id came earlier in the file": ["1"],
        'its "id" is not a positive integer': ["(no id)", "(no id)", "0", "(no id)"],
        "the article is not an object": ["(no id)"],
        'its "published_at" is missing': ["3"],
        'its "title" is missing or not a text': ["4"],
        'its "body" is missing or not a text': ["5"],
        'its "published_at" is not a date and time': ["6"],
        'its "published_at" is out of range': ["7"],
        'its "comments_close_at" is not a date and time': ["8"],
        'its "dateline_place" is not a text': ["9"],
        "body longer than 100000 characters once converted": ["11"],
        'its "slug" is missing or not a text': ["(no slug)"],
        'its "slug" is empty': ["(no slug)"],
        "the category is not an object": ["(no slug)"],
    }
    made = articles(posts)
    assert sorted(made) == ["article-1", "bad-meta", "huge-title"]
    assert len(made["huge-title"].title) == 200
    # A field the article form refuses is left out, as from a WXR's meta.
    assert made["bad-meta"].source_url is None and made["bad-meta"].dateline == date(2024, 2, 3)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is not JSON"),
    (b"{\"burg_export\": 1, ", "is not JSON"),
    (b"\xff\xfe{}", "is not JSON"),
    (b"[" * 100_000, "is not JSON"),
    (b"[1, 2]", 'is not a Burg export: no "burg_export" field'),
    (b'{"site": {}, "articles": []}', 'is not a Burg export: no "burg_export" field'),
    (b'{"burg_export": 2}', "of version 2; this version of Burg reads version 1"),
    (b'{"burg_export": true}', "of version True"),
    (b'{"burg_export": 1, "articles": {"1": {}}}', 'its "articles" is not a list'),
])
def test_a_file_that_is_no_burg_export_is_one_line_exit_1_and_changes_nothing(
        posts: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        content: bytes, message: str) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    assert cli(posts, "import-burg", str(path), "--editor", "Nic") == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err
    assert articles(posts) == {} and categories(posts) == {} and records(posts) == []
    assert cli(posts, "import-burg", str(tmp_path / "none.json"), "--editor", "Nic") == 1
    assert "cannot read" in capsys.readouterr().err


def test_an_unknown_editor_is_refused_before_the_file_is_read(
        posts: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(export(article(1)))
    assert cli(posts, "import-burg", str(path), "--editor", "Nobody") == 1
    assert "error: no editor 'Nobody'" in capsys.readouterr().err
    assert articles(posts) == {}


_ids = itertools.count(1000)
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30), lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)
_FIELDS = ("slug", "url", "title", "category", "dateline", "dateline_place", "source_name",
           "source_url", "source_note", "posted_by", "body", "published_at",
           "comments_close_at")


@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(_FIELDS), _json | _text, max_size=4),
       category=_json | st.fixed_dictionaries({"slug": _text, "name": _text}))
def test_whatever_the_values_a_record_is_imported_by_the_rules_or_skipped(
        posts: Service, tmp_path: Path, values: dict[str, Any], category: Any) -> None:
    article_id = next(_ids)
    summary = run(posts, tmp_path, export(article(article_id, slug=f"a-{article_id}") | values,
                                          categories=[category]))
    skipped = sum(n for (kind, _), n in summary.skipped.items() if kind == "article")
    assert summary.made["article"] + skipped == 1
    for made in articles(posts).values():
        checked = ArticleUpdate(title=made.title, body=made.body)  # raises if refused
        assert checked.title == made.title and len(made.posted_by) <= 40
        assert made.slug and len(made.slug) <= 120
        assert made.published_at is not None and made.comments_close_at is not None
    for made_category in categories(posts).values():
        assert CategoryCreate(name=made_category.name).name == made_category.name


def test_a_stopped_import_continues(posts: Service, tmp_path: Path) -> None:
    content = export(*(article(n) for n in range(1, 8)))

    def interrupted(items: Any, what: str, count: int) -> Iterator[Any]:
        assert count == 7
        for n, item in enumerate(items, 1):
            yield item
            if n == 5:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(posts, tmp_path, content, batch=2, shown=interrupted)
    assert len(articles(posts)) == 4
    summary = run(posts, tmp_path, content, batch=2)
    assert (summary.made["article"], summary.kept["article"]) == (3, 4)
    assert len(articles(posts)) == 7
    assert [r for r in records(posts) if r[1] == "article"] == sorted(
        ("burg", "article", str(n)) for n in range(1, 8))


def test_a_category_slug_with_a_percent_sign_stays_as_written(posts: Service,
                                                               tmp_path: Path) -> None:
    run(posts, tmp_path, export(article(1, category="100%-sure"), categories=[
        {"slug": "100%-sure", "name": "100% sure", "description": ""}]))
    with Session(posts.runtime.engine) as session:
        found = session.exec(select(Category).where(col(Category.name) == "100% sure")).one()
    assert articles(posts)["article-1"].category_id == found.id


def test_lone_surrogates_are_left_out_of_texts(posts: Service, tmp_path: Path) -> None:
    """JSON may escape a lone surrogate (`"\\ud800"`), which no database stores: it goes,
    the record stays."""
    assert b"\\ud800" in export(article(1, title="Half \ud800 a pair"))
    summary = run(posts, tmp_path, export(
        article(1, title="Half \ud800 a pair", url="https://old.example/\udc80a",
                category="n\udc80ews", posted_by="E\ud800d"),
        categories=[{"slug": "n\udc80ews", "name": "N\ud800ews", "description": "\udc80"}]))
    assert summary.made["article"] == 1
    (made,) = articles(posts).values()
    assert (made.title, made.posted_by, made.imported_from) == (
        "Half a pair", "Ed", "https://old.example/a")  # spaces collapse, as in a title
    assert [(c.slug, c.name) for c in categories(posts).values()] == [("news", "News")]
