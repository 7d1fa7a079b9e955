"""The import engine (`services.comments.importing`), whatever the format: articles found by
address, nics and commenters, placeholders, resuming, and what a thread then shows."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from services.comments import threads
from services.comments.importing import (
    ANONYMOUS,
    RETRACTED,
    address_key,
    clean_nic,
    no_article,
)
from services.comments.models import MAX_COMMENT, Comment, Nic
from services.comments.nics import MAX_KEY, nic_keys
from services.comments.sources import SourceComment, SourceState, SourceThread
from shared.errors import Conflict
from tests.comments.importing import (
    commenter,
    comments_service,
    import_threads_of,
    imported,
    publish,
    replica,
    retract,
    table_counts,
)
from tests.usecases.comments import post

START = datetime(2019, 6, 1, 12, 0, tzinfo=UTC)
OLD = "http://old-blog.example"


def said(source_id: int, author: str = "Ole", parent: int | None = None,
         state: SourceState = SourceState.public, html: str = "<p>Well said.</p>",
         website: str | None = None) -> SourceComment:
    return SourceComment(str(source_id), None if parent is None else str(parent), author,
                         website, START + timedelta(minutes=source_id), html, state)


def thread(url: str | None, *comments: SourceComment, source_id: str = "1") -> SourceThread:
    return SourceThread(source_id, url, "A post", list(comments))


def test_a_name_already_a_commenters_nic_is_that_commenter(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        mine, token = post(comments, nic="Frank G")  # on article 1, "ferry"
        with comments.session() as session:
            frank = session.get_one(Comment, mine.id).commenter_id
        summary = import_threads_of(comments, [thread(
            "https://burg.example/articles/ferry",
            said(1, "Frank G"), said(2, "FRANK G"), said(3, "Fr\u0430nk G"))])  # Cyrillic a
        rows = imported(comments, 1)
        assert {row.commenter_id for row in rows.values()} == {frank}
        assert [rows[i].nic for i in "123"] == ["Frank G", "FRANK G", "Fr\u0430nk G"]
        assert commenter(comments, frank).comment_count == 4
        assert summary.kept["commenter"] == 3 and summary.made["commenter"] == 0
        # Numbered after the comment already there.
        assert [rows[i].number for i in "123"] == [2, 3, 4]
        assert token is not None


def test_a_new_name_is_reserved_for_a_commenter_no_one_holds(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        summary = import_threads_of(comments, [thread(
            "https://burg.example/articles/ferry", said(1, "Ole Brekke"),
            said(2, "Ole Brekke"), said(3, "Ingrid"))])
        rows = imported(comments)
        assert rows["1"].commenter_id == rows["2"].commenter_id != rows["3"].commenter_id
        assert summary.made["commenter"] == 2
        ole = commenter(comments, rows["1"].commenter_id)
        assert ole.comment_count == 2 and len(ole.token_hash) == 64
        assert ole.token_hash != commenter(comments, rows["3"].commenter_id).token_hash
        with pytest.raises(Conflict, match="belongs to another commenter"):
            post(comments, nic="Ole Brekke")  # a newcomer cannot take it


def test_names_that_are_no_nics_are_cleaned_or_anonymous(tmp_path: Path) -> None:
    long = "Captain " + "Haddock" * 10
    with comments_service(tmp_path) as comments:
        summary = import_threads_of(comments, [thread(
            "https://burg.example/articles/ferry", said(1, ""), said(2, "   "),
            said(3, "Ole\u200b Brekke"), said(4, long), said(5, "\u202eknarF"),
            said(6, "Tab\tand\nnewline"))])
        rows = imported(comments)
        assert rows["1"].nic == rows["2"].nic == ANONYMOUS
        assert rows["3"].nic == "Ole Brekke"
        assert rows["4"].nic == long[:40] and len(rows["4"].nic) == 40
        assert rows["5"].nic == "knarF"
        assert rows["6"].nic == "Tab and newline"
        for row in rows.values():
            nic_keys(row.nic)  # each a valid nic
        assert sum(n for (_, remark), n in summary.noted.items() if "author name" in remark) == 5


def test_an_editors_name_is_not_claimed(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:  # the editor "Steve White"
        import_threads_of(comments, [thread("https://burg.example/articles/ferry",
                                            said(1, "Steve White"))])
        import_threads_of(comments, [thread("https://burg.example/articles/ferry",
                                            said(2, "steve white"))])
        rows = imported(comments)
        assert rows["1"].nic == "Steve White"
        assert rows["1"].commenter_id == rows["2"].commenter_id  # remembered by the import
        with comments.session() as session:
            assert session.exec(select(Nic)).all() == []


@given(st.text(max_size=120))
@settings(max_examples=300, deadline=None)
def test_any_name_gives_a_valid_nic(name: str) -> None:
    nic, _ = clean_nic(name)
    assert nic_keys(nic).key and len(nic) <= MAX_KEY


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_address_is_compared_or_refused_calmly(url: str) -> None:
    key = address_key(url)
    assert key is None or isinstance(key[1], str)


def test_addresses_compare_without_scheme_www_slash_and_fragment() -> None:
    assert address_key("http://www.Old-Blog.example/a/b/#comments") == address_key(
        "https://old-blog.example/a/b") == ("old-blog.example", "/a/b")
    assert address_key("https://old-blog.example/?p=12") == ("old-blog.example", "?p=12")
    assert address_key("/a/b/") == ("", "/a/b")
    assert address_key("old-blog.example/a/b") == ("old-blog.example", "/a/b")
    assert address_key("https://old-blog.example/caf%C3%A9/") == address_key(
        "https://old-blog.example/café")
    assert address_key("") is None and address_key(None) is None


def test_addresses_compare_without_tracking_parameters() -> None:
    assert address_key("https://old-blog.example/a/?utm_source=feed&utm_medium=rss") == (
        "old-blog.example", "/a")
    assert address_key("https://old-blog.example/?p=12&fbclid=x1&UTM_Campaign") == (
        "old-blog.example", "?p=12")
    assert address_key("https://old-blog.example/?utm=1&p=12") == (  # not a tracking name
        "old-blog.example", "?utm=1&p=12")


def test_threads_find_their_articles(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        publish(comments, 2, "tides", imported_from=f"{OLD}/2019/tides/")
        publish(comments, 3, "nets")  # no old address: found by its own
        publish(comments, 4, "knots")  # … or by its slug
        publish(comments, 5, "gulls", url="https://burg.example/a/gulls")
        publish(comments, 6, "gulls", url="https://burg.example/b/gulls")
        publish(comments, 7, "gone", imported_from=f"{OLD}/gone/")
        retract(comments, 7)
        summary = import_threads_of(comments, [
            thread("https://www.old-blog.example/2019/tides#comments", said(1)),
            thread("/2019/tides/", said(2)),  # a path alone (Isso keeps those)
            thread("http://burg.example/articles/nets/", said(3)),
            thread(f"{OLD}/2018/04/knots/", said(4)),
            thread(f"{OLD}/2018/05/gulls/", said(5)),  # two articles have that slug
            thread(f"{OLD}/gone/", said(6)),
            thread(None, said(7))])
        rows = imported(comments)
        assert {i: len(imported(comments, a)) for i, a in ((1, 2), (3, 3), (4, 4))} == {
            1: 2, 3: 1, 4: 1}
        assert set(rows) == {"1", "2", "3", "4"}
        assert summary.skipped["comment", no_article(f"{OLD}/2018/05/gulls/")] == 1
        assert summary.skipped["comment", RETRACTED] == 1
        assert summary.skipped["comment", no_article(None)] == 1
        assert "import the articles first" in no_article(None)


def test_left_out_parents_keep_their_place_and_the_thread_shows_it(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        import_threads_of(comments, [thread(
            "https://burg.example/articles/ferry",
            said(1, "Ole"),
            said(2, "Spammer", parent=1, state=SourceState.spam),
            said(3, "Gone", parent=2, state=SourceState.deleted),
            said(4, "Ingrid", parent=3),
            said(5, "Waiting", parent=1, state=SourceState.pending),  # no replies: left out
            said(6, "Blank", html="<script>x()</script>"),
            said(7, "Ole", parent=6))])
        rows = imported(comments)
        assert set(rows) == {"1", "2", "3", "4", "6", "7"}
        assert [rows[i].status for i in "2367"] == ["deleted", "deleted", "deleted", "visible"]
        assert (rows["4"].depth, rows["4"].parent) == (3, "3")
        assert replica(comments, 1).comment_count == 3
        with comments.session() as session:
            page = threads.get_thread(session=session, article_id=1, viewer=None, cursor=None,
                                      limit=50)
        assert [(c.id, c.removed) for c in page.comments] == [
            (rows["1"].id, False), (rows["2"].id, True), (rows["3"].id, True),
            (rows["4"].id, False), (rows["6"].id, True), (rows["7"].id, False)]
        assert page.count == 3
        removed = [c for c in page.comments if c.removed]
        assert all(c.nic == "" and c.body_html == "" for c in removed)
        events = [data for kind, data in comments.events() if kind == "comment.created"]
        assert sorted(e["comment_id"] for e in events) == sorted(
            rows[i].id for i in "147")


def test_a_reply_added_later_goes_under_its_parent_imported_before(tmp_path: Path) -> None:
    url = "https://burg.example/articles/ferry"
    with comments_service(tmp_path) as comments:
        import_threads_of(comments, [thread(url, said(1))])
        summary = import_threads_of(comments, [thread(url, said(1), said(2, parent=1))])
        rows = imported(comments)
        assert rows["2"].parent == "1" and rows["2"].path.startswith(rows["1"].path + "/")
        assert (summary.made["comment"], summary.kept["comment"]) == (1, 1)
        assert rows["2"].number == 2


def test_a_long_body_is_cut(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        summary = import_threads_of(comments, [thread(
            "https://burg.example/articles/ferry", said(1, html="word " * 3000))])
        body = imported(comments)["1"].body
        assert len(body) <= MAX_COMMENT and body.endswith("…")
        assert summary.noted["comment", f"longer than {MAX_COMMENT} characters once "
                             "converted: cut"] == 1


def test_websites(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        import_threads_of(comments, [thread(
            "https://burg.example/articles/ferry", said(1, website="https://ole.example"),
            said(2, "B", website="ftp://files.example"), said(3, "C", website="not a url"),
            said(4, "D", website="https://" + "x" * 2100 + ".example"),
            said(5, "E", website="  "))])
        rows = imported(comments)
        assert [rows[i].website for i in "12345"] == [
            "https://ole.example/", None, None, None, None]


def many(count: int, stop_after: int | None = None) -> Iterator[SourceThread]:
    """`count` threads of three comments on article 1's address; raises (as a stopped
    import would end) after `stop_after` of them."""
    for number in range(count):
        if number == stop_after:
            raise KeyboardInterrupt
        base = number * 3
        yield thread("https://burg.example/articles/ferry", said(base + 1),
                     said(base + 2, "Ingrid", parent=base + 1),
                     said(base + 3, "Ole", parent=base + 2), source_id=str(number))


def test_an_import_stopped_half_way_goes_on_where_it_stopped(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        with pytest.raises(KeyboardInterrupt):
            import_threads_of(comments, many(10, stop_after=7), batch=6)
        # Committed: the batches before the stop, of two threads (six comments) each; the
        # seventh thread, read but not committed, is not there.
        assert len(imported(comments)) == 18
        summary = import_threads_of(comments, many(10), batch=6)
        rows = imported(comments)
        assert len(rows) == 30
        assert (summary.made["comment"], summary.kept["comment"]) == (12, 18)
        assert sorted(r.number for r in rows.values()) == list(range(1, 31))
        events = [data["comment_id"] for kind, data in comments.events()
                  if kind == "comment.created"]
        assert sorted(events) == sorted(r.id for r in rows.values())  # each once
        assert replica(comments, 1).comment_count == 30
        before = table_counts(comments)
        import_threads_of(comments, many(10), batch=6)
        assert table_counts(comments) == before


def test_ids_too_long_to_remember_are_skipped_and_long_names_cut(tmp_path: Path) -> None:
    combining = "e\u0301" * 30  # 60 characters, 30 once composed
    with comments_service(tmp_path) as comments:
        summary = import_threads_of(comments, [thread(
            "https://burg.example/articles/ferry",
            SourceComment("x" * 201, None, "Ole", None, START, "<p>Hi</p>"),
            SourceComment("", None, "Ole", None, START, "<p>Hi</p>"),
            said(1, combining))])
        rows = imported(comments)
        assert set(rows) == {"1"} and len(rows["1"].nic) <= MAX_KEY
        assert summary.skipped["comment", "no id, or one longer than 200 characters"] == 2


def test_a_nic_taken_while_it_runs_stops_the_import_and_a_rerun_goes_on(
        tmp_path: Path) -> None:
    url = "https://burg.example/articles/ferry"
    posted: list[int] = []
    with comments_service(tmp_path) as comments:
        def threads() -> Iterator[SourceThread]:
            yield thread(url, said(1, "Early"), source_id="1")
            if not posted:  # between two commits of the first run
                posted.append(post(comments, nic="Late Ole")[0].id)
            yield thread(url, said(2, "Late Ole"), source_id="2")

        with pytest.raises(Conflict, match="run the import again"):
            import_threads_of(comments, threads(), batch=1)
        assert set(imported(comments)) == {"1"}
        summary = import_threads_of(comments, threads(), batch=1)
        assert summary.kept["comment"] == 1 and summary.made["comment"] == 1
        with comments.session() as session:
            late = {c.nic: c.commenter_id for c in session.exec(select(Comment)).all()}
        assert imported(comments)["2"].commenter_id == late["Late Ole"]


def test_replies_dated_before_their_parents_are_numbered_after_them(tmp_path: Path) -> None:
    """A clock set wrong on the old site: each reply of a chain is dated before its parent,
    and two replies name each other as parent (a broken file); every comment is still made,
    and no reply is numbered before its parent."""
    with comments_service(tmp_path) as comments:
        chain = [said(1), said(9, parent=1), said(8, parent=9), said(7, parent=8),
                 said(6, parent=7)]  # each dated a minute before its parent
        looped = [said(20, parent=21), said(21, parent=20)]
        import_threads_of(comments, [thread("https://burg.example/articles/ferry",
                                            said(5), *chain, *looped)])
        rows = imported(comments, 1)
        assert len(rows) == 8
        for row in rows.values():
            if row.parent is not None and row.parent in rows and row.source_id not in "2021":
                assert row.number > rows[row.parent].number, row
        assert sorted(r.number for r in rows.values()) == list(range(1, 9))
