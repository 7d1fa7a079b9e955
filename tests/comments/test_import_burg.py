"""`python -m services.comments.cli import-burg FILE.json`: the comments of Burg's own JSON
export, read (`sources/burg_json.py`) and imported by the same engine as every other format:
threading, placeholders, markup and edit times come back; odd records are skipped with their
reason; a file that is no Burg export is one line and exit code 1, with nothing written."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from services.comments import replica
from services.comments.import_commands import import_commands
from services.comments.importing import DUPLICATE, KEPT_AS_PLACE, no_article
from services.comments.models import Comment, ImportedRecord
from services.comments.sources import SourceState, burg_json
from shared.burg_json import NotBurgExport
from shared.cli import run_cli
from shared.events import ArticlePublished
from shared.importing import Summary
from tests.comments.importing import (
    comments_service,
    import_threads_of,
    imported,
    publish,
    table_counts,
)
from tests.comments.inprocess import CommentsApi, comments_api

OLD = "https://old.example/articles"
AT = "2024-02-03T04:05:06.789012+00:00"


def comment(comment_id: Any, parent_id: Any = None, **fields: Any) -> dict[str, Any]:
    """A comment as the export writes it (services/comments/exporting.py's ExportedComment)."""
    return {"id": comment_id, "article_id": 2, "parent_id": parent_id, "number": 1,
            "nic": f"Reader {comment_id}", "website": None, "body": f"Words {comment_id}.",
            "body_html": f"<p>Words {comment_id}.</p>", "created_at": AT, "edited_at": None,
            "removed": False} | fields


def placeholder(comment_id: int, parent_id: int | None = None) -> dict[str, Any]:
    return comment(comment_id, parent_id, nic="", body="", body_html="", removed=True)


def article(article_id: Any, *comments: Any, **fields: Any) -> dict[str, Any]:
    return {"id": article_id, "slug": f"a{article_id}", "url": f"{OLD}/a{article_id}",
            "title": f"Article {article_id}", "comments": list(comments)} | fields


def write(path: Path, *articles: Any) -> Path:
    path.write_text(json.dumps({"burg_export": 1, "site": {"url": "https://old.example"},
                                "exported_at": AT, "categories": [],
                                "articles": list(articles), "nics": []}))
    return path


def read(path: Path) -> tuple[list[burg_json.SourceThread], Summary]:
    summary = Summary()
    return list(burg_json.read(path, summary)), summary


def test_the_reader_gives_a_thread_per_article_and_placeholders_as_deleted(
        tmp_path: Path) -> None:
    threads, summary = read(write(
        tmp_path / "export.json",
        article(2, comment(10, website="https://me.example/",
                           body="[b]As written[/b]", edited_at="2024-02-04T00:00:00Z"),
                placeholder(11, 10), comment(12, 11)),
        article(3)))
    assert [(t.source_id, t.url, t.title, len(t.comments)) for t in threads] == [
        ("2", f"{OLD}/a2", "Article 2", 3), ("3", f"{OLD}/a3", "Article 3", 0)]
    first, removed, reply = threads[0].comments
    assert (first.source_id, first.parent_id, first.author, first.website) == (
        "10", None, "Reader 10", "https://me.example/")
    assert (first.markup, first.html, first.state) == (
        "[b]As written[/b]", "<p>Words 10.</p>", SourceState.public)
    assert first.created_at == datetime(2024, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
    assert first.edited_at == datetime(2024, 2, 4, tzinfo=UTC)
    assert (removed.parent_id, removed.author, removed.state, removed.markup) == (
        "10", "", SourceState.deleted, None)
    assert reply.parent_id == "11"
    assert not summary.skipped


def test_odd_records_are_skipped_with_their_reason(tmp_path: Path) -> None:
    threads, summary = read(write(
        tmp_path / "export.json",
        article(2, comment(10), comment("11"), comment(12, parent_id="10"),
                comment(13, nic=None), comment(14, body=7), comment(15, created_at="soon"),
                comment(16, created_at="0001-01-01T00:00:00+00:00"),
                comment(17, removed="yes"), comment(18, edited_at=[]), "a string",
                comment(10 ** 40), comment(19, website=5)),
        article("3", comment(30), comment(31)),
        article(4, comments={"40": {}}),
        article(5, comment(50), url=None),
        article(6, url=None),  # no comments: nothing to skip
        42))
    reasons = {reason: ids for (kind, reason), ids in summary.examples.items()}
    assert reasons == {
        'its "id" is not a positive integer': ["(no id)", "(no id)"],
        'its "parent_id" is not a positive integer': ["12"],
        'its "nic" is missing or not a text': ["13"],
        'its "body" is missing or not a text': ["14"],
        'its "created_at" is not a date and time': ["15"],
        'its "created_at" is out of range': ["16"],
        'its "removed" is not true or false': ["17"],
        'its "edited_at" is not a date and time': ["18"],
        "the comment is not an object": ["(no id)"],
        'its "website" is not a text': ["19"],
        'its article was skipped: its "id" is not a positive integer': ["30", "31"],
        'its article was skipped: its "comments" is not a list': ["those of article 4"],
        'its article was skipped: its "url" is missing or not a text': ["50"],
        "its article was skipped: its article is not an object": ["those of article (no id)"],
    }
    assert [(t.source_id, [c.source_id for c in t.comments]) for t in threads] == [
        ("2", ["10"])]


def test_the_import_keeps_threading_placeholders_markup_and_edits(tmp_path: Path) -> None:
    path = write(tmp_path / "export.json",
                 article(2, comment(10, body="[b]As written[/b]",
                                    edited_at="2024-02-04T00:00:00+00:00"),
                         placeholder(11, 10), comment(12, 11), comment(13, 12),
                         comment(10, body="The same id again")),
                 article(9, comment(90)))  # not imported into the posts service
    with comments_service(tmp_path) as comments:
        publish(comments, 2, "a2", imported_from=f"{OLD}/a2")
        summary = Summary()
        done = import_threads_of(
            comments, burg_json.read(path, summary), source=burg_json.SOURCE)
        assert done.made["comment"] == 3
        assert summary.examples == {}  # the reader found nothing odd
        skipped = {reason: ids for (_, reason), ids in done.examples.items()}
        assert skipped == {DUPLICATE: ["10"], "deleted on the old site" + KEPT_AS_PLACE: ["11"],
                           no_article(f"{OLD}/a9"): ["90"]}
        rows = imported(comments, 2)
        assert [(sid, r.parent, r.depth, r.status, r.nic) for sid, r in rows.items()] == [
            ("10", None, 0, "visible", "Reader 10"), ("11", "10", 1, "deleted", ""),
            ("12", "11", 2, "visible", "Reader 12"), ("13", "12", 3, "visible", "Reader 13")]
        assert rows["10"].body == "[b]As written[/b]"
        assert "<strong>As written</strong>" in rows["10"].body_html
        with comments.session() as session:
            first = session.get_one(Comment, rows["10"].id)
            sources = set(session.exec(select(ImportedRecord.source)).all())
        assert first.edited_at is not None and first.edited_at.replace(tzinfo=UTC) == datetime(
            2024, 2, 4, tzinfo=UTC)
        assert first.created_at.replace(tzinfo=UTC) == datetime(2024, 2, 3, 4, 5, 6, 789012,
                                                                tzinfo=UTC)
        assert sources == {"burg"}

        counts = table_counts(comments)
        again = import_threads_of(comments, burg_json.read(path, Summary()),
                                  source=burg_json.SOURCE)
        assert (again.made["comment"], again.kept["comment"]) == (0, 3)
        assert table_counts(comments) == counts


@pytest.fixture
def api(tmp_path: Path, in_process_redis_url: str) -> Iterator[CommentsApi]:
    with comments_api(tmp_path, in_process_redis_url) as api:
        now = datetime.now(UTC)
        with api.service.runtime.sessions() as session:
            replica.on_article_published(session, ArticlePublished(
                article_id=2, slug="a2", title="Article 2", posted_by="Ed",
                url="https://burg.example/articles/a2", category_slug="sea",
                category_name="Sea", dateline=date(2024, 2, 3), summary="",
                body_html="<p>x</p>", published_at=now, updated_at=now,
                comments_close_at=now + timedelta(days=7), imported_from=f"{OLD}/a2"))
            session.commit()
        yield api


def cli(api: CommentsApi, *argv: str) -> int:
    runtime = api.service.runtime
    return run_cli(runtime, list(argv), extra=lambda commands: import_commands(runtime, commands))


def test_the_command_imports_and_prints_its_summary(
        api: CommentsApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "export.json", article(2, comment(10), placeholder(11, 10),
                                                   comment(12, 11)))
    assert cli(api, "import-burg", str(path)) == 0
    assert "comment: 2 imported, 0 already here, 1 skipped" in capsys.readouterr().out
    thread = api.client().get("/articles/2/comments").json()
    assert [(c["nic"], c["removed"]) for c in thread["comments"]] == [
        ("Reader 10", False), ("", True), ("Reader 12", False)]


@pytest.mark.parametrize(("content", "message"), [
    (b"", "is not JSON"),
    (b"\x00\x01 not json at all", "is not JSON"),
    (b"{" * 50_000, "is not JSON"),
    (b'{"articles": []}', 'is not a Burg export: no "burg_export" field'),
    (b'{"burg_export": "1"}', "of version '1'"),
    (b'{"burg_export": 1, "articles": "none"}', 'its "articles" is not a list'),
])
def test_a_file_that_is_no_burg_export_is_one_line_and_exit_code_1(
        api: CommentsApi, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        content: bytes, message: str) -> None:
    path = tmp_path / "export.json"
    path.write_bytes(content)
    with pytest.raises(NotBurgExport):
        burg_json.read(path, Summary())  # at once, not when a thread is asked for
    assert cli(api, "import-burg", str(path)) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1, err
    assert cli(api, "import-burg", str(tmp_path / "nowhere.json")) == 1
    assert "error: cannot read" in capsys.readouterr().err
    assert api.client().get("/articles/2/comments").json()["count"] == 0
