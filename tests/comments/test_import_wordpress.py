"""Importing the comments of a WordPress export (samples/wordpress*.xml, written for these
tests): the reader, and what the import makes of them."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select

from services.comments.importing import KEPT_AS_PLACE, TOP_LEVEL, no_article
from services.comments.models import MAX_DEPTH, Comment, Nic
from services.comments.sources import SourceState, wordpress
from shared.errors import Invalid
from shared.importing import Summary
from tests.comments.helpers import executable_parts
from tests.comments.importing import (
    SAMPLES,
    comments_service,
    harbour_notes,
    import_file,
    imported,
    publish,
    replica,
    table_counts,
)

WXR = SAMPLES / "wordpress.xml"
LATIN1 = SAMPLES / "wordpress-latin1.xml"


def read(path: Path) -> tuple[list[wordpress.SourceThread], Summary]:
    summary = Summary()
    return list(wordpress.read(path, summary)), summary


def test_the_reader_yields_posts_with_their_comments_and_skips_pingbacks_and_pages() -> None:
    threads, summary = read(WXR)
    assert [(t.source_id, t.url, t.title) for t in threads] == [
        ("11", "http://harbour-notes.example/2021/03/spring-tides/",
         "Spring tides at the old pier"),
        ("13", "http://harbour-notes.example/?p=13", "A draft nobody published"),
        ("14", "https://www.harbour-notes.example/2021/06/mending-nets", "Mending nets")]
    first: dict[str, wordpress.SourceComment] = {}
    for comment in threads[0].comments:
        first.setdefault(comment.source_id, comment)  # 101 comes twice
    assert "108" not in first  # the pingback
    assert summary.skipped["comment", "a pingback, not a comment"] == 1
    assert summary.skipped["comment", "on a WordPress page, not a post"] == 1
    ole = first["101"]
    assert (ole.parent_id, ole.author, ole.website, ole.state) == (
        None, "Ole Brekke", "https://ole.example/", SourceState.public)
    assert ole.created_at == datetime(2021, 3, 14, 11, 0, tzinfo=UTC)  # the GMT time
    assert ole.html == "<p>I was there too.</p><p>The pier groaned all night.</p>"
    assert first["102"].parent_id == "101"
    assert [first[i].state for i in ("104", "105", "106")] == [
        SourceState.spam, SourceState.pending, SourceState.deleted]
    # No GMT time ("0000-00-00 …"): the local one.
    assert first["105"].created_at == datetime(2021, 3, 14, 16, 0, tzinfo=UTC)


def test_no_e_mail_address_is_read() -> None:
    threads, _ = read(WXR)
    assert "mail.example" not in repr(threads)
    assert "192.0.2.14" not in repr(threads)  # nor IP addresses


def test_an_iso_8859_1_export_is_decoded_as_it_declares() -> None:
    threads, _ = read(LATIN1)
    (comment,) = threads[0].comments
    assert threads[0].title == "Frühstück"
    assert comment.author == "José Müller"
    assert comment.html == "<p>Grüße aus Köln \u2013 schön & gut!</p>"
    # Only the local time: taken as UTC.
    assert comment.created_at == datetime(2009, 10, 3, 8, 15, tzinfo=UTC)


def test_imported_as_posted_threads_nest(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        harbour_notes(comments)
        summary = import_file(comments, WXR)
        rows = imported(comments, 11)
        ole, ingrid, again = rows["101"], rows["102"], rows["103"]
        assert (ole.depth, ole.path, ole.parent) == (0, f"{ole.id:08x}", None)
        assert (ingrid.parent, ingrid.depth, ingrid.path) == (
            "101", 1, f"{ole.id:08x}/{ingrid.id:08x}")
        assert (again.parent, again.depth, again.path) == (
            "102", 2, f"{ole.id:08x}/{ingrid.id:08x}/{again.id:08x}")
        # Numbered by time: 101, 102, 103, the trashed 106 (a place), 107, 109.
        assert [rows[i].number for i in ("101", "102", "103", "106", "107", "109")] == [
            1, 2, 3, 4, 5, 6]
        article = replica(comments, 11)
        assert (article.comment_count, article.last_number) == (5, 6)
        assert ole.commenter_id == again.commenter_id  # the same name, the same commenter
        assert summary.made["comment"] == 6  # and one on post 14
        events = [data for kind, data in comments.events() if kind == "comment.created"]
        assert len(events) == 6 and all(e["imported"] for e in events)
        by_id = {e["comment_id"]: e for e in events}
        assert by_id[again.id]["parent_id"] == ingrid.id
        assert by_id[ole.id]["created_at"].startswith("2021-03-14T11:00:00")


def test_html_becomes_markup_and_scripts_never_run(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        harbour_notes(comments)
        summary = import_file(comments, WXR)
        rows = imported(comments)
        assert "alert" not in rows["102"].body_html
        assert "really" in rows["102"].body_html
        for row in rows.values():
            assert executable_parts(row.body_html) == []
        assert "110" not in rows  # nothing left once its script is dropped
        assert summary.skipped["comment", "empty once its HTML was converted"] == 1


def test_websites_only_as_the_form_takes_them(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        harbour_notes(comments)
        summary = import_file(comments, WXR)
        rows = imported(comments)
        assert rows["101"].website == "https://ole.example/"
        assert rows["102"].website is None  # javascript:
        assert sum(n for (_, remark), n in summary.noted.items() if "website" in remark) == 1


def test_spam_pending_and_trash_are_left_out_but_a_trashed_parent_keeps_its_place(
        tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        harbour_notes(comments)
        summary = import_file(comments, WXR)
        rows = imported(comments)
        assert "104" not in rows and "105" not in rows
        assert summary.skipped["comment", "marked as spam on the old site"] == 1
        assert summary.skipped["comment", "waiting for approval on the old site"] == 1
        assert summary.skipped["comment", "deleted on the old site" + KEPT_AS_PLACE] == 1
        place, reply = rows["106"], rows["107"]
        assert (place.status, place.body, place.nic) == ("deleted", "", "")
        assert reply.parent == "106" and reply.path.startswith(place.path + "/")
        with comments.session() as session:
            names = set(session.exec(select(Nic.nic)).all())
        assert "Cheap Pills" not in names and "Regretful" not in names
        assert "Newcomer" not in names


def test_a_reply_whose_parent_is_not_in_the_file_is_top_level(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        harbour_notes(comments)
        summary = import_file(comments, WXR)
        lost = imported(comments)["109"]
        assert (lost.parent, lost.depth, lost.path) == (None, 0, f"{lost.id:08x}")
        assert summary.noted["comment", TOP_LEVEL] == 1


def test_a_duplicate_id_is_imported_once(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        harbour_notes(comments)
        summary = import_file(comments, WXR)
        assert imported(comments)["101"].nic == "Ole Brekke"  # the first, not "Copy Cat"
        assert summary.skipped["comment", "its id came earlier in the file"] == 1


def test_threads_find_their_articles_by_their_old_address(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        harbour_notes(comments)
        summary = import_file(comments, WXR)
        # https://www. and no trailing slash: the same address.
        assert "sheet bend" in imported(comments, 14)["401"].body
        # The draft was never imported as an article.
        assert summary.skipped["comment", no_article("http://harbour-notes.example/?p=13")] == 1


def test_running_it_again_changes_nothing(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        harbour_notes(comments)
        first = import_file(comments, WXR)
        before = table_counts(comments)
        rows = imported(comments)
        again = import_file(comments, WXR)
        assert table_counts(comments) == before
        assert imported(comments) == rows
        assert again.made["comment"] == 0
        assert again.kept["comment"] == first.made["comment"]
        assert again.skipped == first.skipped
        assert replica(comments, 11).comment_count == 5


def test_an_iso_8859_1_export_is_imported(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        publish(comments, 7, "fruehstueck",
                imported_from="http://cafe-am-hafen.example/2009/10/fruehstueck/")
        import_file(comments, LATIN1)
        (row,) = imported(comments).values()
        assert row.nic == "José Müller"
        assert row.body == "Grüße aus Köln \u2013 schön & gut!"
        assert row.website == "http://xn--mller-kva.example/"


def deep_export(replies: int) -> str:
    """An export with one post and a chain of `replies` replies, each to the one before."""
    comments = "".join(
        f"<wp:comment><wp:comment_id>{i}</wp:comment_id>"
        f"<wp:comment_author>Echo {i % 7}</wp:comment_author>"
        f"<wp:comment_date_gmt>2022-01-01 {i // 3600 % 24:02}:{i // 60 % 60:02}:{i % 60:02}"
        f"</wp:comment_date_gmt><wp:comment_content>Reply {i}</wp:comment_content>"
        f"<wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_parent>{i - 1}</wp:comment_parent></wp:comment>"
        for i in range(1, replies + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>Echo</title>'
            '<link>http://echo.example/echo/</link><wp:post_id>1</wp:post_id>'
            f'<wp:post_type>post</wp:post_type>{comments}</item></channel></rss>')


def test_a_very_long_thread_stops_nesting_at_max_depth(tmp_path: Path) -> None:
    export = tmp_path / "deep.xml"
    export.write_text(deep_export(500), encoding="utf-8")
    with comments_service(tmp_path) as comments:
        publish(comments, 3, "echo", imported_from="http://echo.example/echo/")
        summary = import_file(comments, export)
        rows = imported(comments, 3)
        assert summary.made["comment"] == len(rows) == 500
        assert max(r.depth for r in rows.values()) == MAX_DEPTH
        assert max(len(r.path) for r in rows.values()) <= 9 * (MAX_DEPTH + 1)
        assert all(rows[str(i)].parent == str(i - 1) for i in range(2, 501))
        # Thread order is reply order: each after the one it answers.
        assert [r.source_id for r in rows.values()] == [str(i) for i in range(1, 501)]
        assert [rows[str(i)].number for i in (1, 250, 500)] == [1, 250, 500]


def test_an_unreadable_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="cannot read"):
        wordpress.read(tmp_path / "missing.xml", Summary())
    broken = tmp_path / "broken.xml"
    broken.write_text(WXR.read_text()[:3000], encoding="utf-8")
    with pytest.raises(Invalid, match="not well-formed XML"):
        list(wordpress.read(broken, Summary()))
    feed = tmp_path / "feed.xml"
    feed.write_text('<?xml version="1.0"?><rss version="2.0"><channel><item><title>x'
                    '</title></item></channel></rss>', encoding="utf-8")
    with pytest.raises(Invalid, match="no wp: namespace"):
        list(wordpress.read(feed, Summary()))
    atom = tmp_path / "atom.xml"
    atom.write_text('<feed xmlns="http://www.w3.org/2005/Atom"/>', encoding="utf-8")
    with pytest.raises(Invalid, match="not <rss>"):
        list(wordpress.read(atom, Summary()))


def test_entities_are_not_expanded_and_nothing_is_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    hostile = tmp_path / "hostile.xml"
    hostile.write_text(
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY leak SYSTEM "file://{secret}">'
        '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>T</title>'
        '<link>http://x.example/t/</link><wp:post_id>1</wp:post_id>'
        '<wp:post_type>post</wp:post_type><wp:comment><wp:comment_id>1</wp:comment_id>'
        '<wp:comment_author>&b;</wp:comment_author><wp:comment_date_gmt>2020-01-01 00:00:00'
        '</wp:comment_date_gmt><wp:comment_content>x &leak; y</wp:comment_content>'
        '<wp:comment_approved>1</wp:comment_approved></wp:comment></item></channel></rss>',
        encoding="utf-8")
    threads, _ = read(hostile)
    (comment,) = threads[0].comments
    assert "SECRET" not in comment.html and "aaaa" not in comment.author


def test_the_quick_count_counts_posts() -> None:
    assert wordpress.count(WXR) == 3
    assert wordpress.count(SAMPLES / "missing.xml") == 0


def test_no_comment_rows_for_a_file_of_only_skipped_comments(tmp_path: Path) -> None:
    with comments_service(tmp_path) as comments:
        import_file(comments, WXR)  # no article imported yet
        with comments.session() as session:
            assert session.exec(select(Comment)).all() == []
        assert "comment.created" not in comments.event_types()
