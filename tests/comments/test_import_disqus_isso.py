"""Disqus and Isso comments imported end to end: the sample files (tests/comments/samples)
read by their readers and made Burg's comments by `importing.import_threads`, on a comments
database told of the articles as the posts import publishes them (the use-case wiring: its
inbox, its outbox rows as the evidence). Threads go to articles by address; what each comment
became, what was skipped and why, and that a second run, or a run after a stop, changes
nothing more."""

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from services.comments import replica
from services.comments.import_commands import import_commands
from services.comments.importing import import_threads
from services.comments.models import (
    ArticleReplica,
    Comment,
    Commenter,
    CommentsTable,
    ImportedRecord,
    Nic,
)
from services.comments.sources import SourceThread
from services.comments.sources.disqus import read_disqus
from services.comments.sources.isso import read_isso
from shared.cli import run_cli
from shared.db import make_engine, make_session_factory
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticlePublished, utcnow
from shared.importing import Summary
from tests.comments.importing import publish
from tests.comments.inprocess import comments_api
from tests.databases import database_url, migrated, sql
from tests.usecases.comments import HANDLERS
from tests.usecases.conftest import Wired, wire

SAMPLES = Path(__file__).parent / "samples"


@pytest.fixture
def comments(tmp_path: Path) -> Iterator[Wired]:
    with wire(tmp_path, "comments", CommentsTable.metadata, HANDLERS) as wired:
        yield wired


@dataclass(frozen=True)
class Made:
    """A comment as the import made it: its source's ids (its own, its parent's), its number
    and depth in the thread, nic, status, website and body."""

    source_id: str
    parent: str | None
    number: int
    depth: int
    nic: str
    status: str
    website: str | None
    body: str


def made(comments: Wired, source: str) -> dict[int, list[Made]]:
    """Each article's comments imported from `source`, in thread order (by path)."""
    with comments.session() as session:
        records = dict(session.exec(select(ImportedRecord.local_id, ImportedRecord.source_id)
                                    .where(ImportedRecord.source == source,
                                           ImportedRecord.kind == "comment")).all())
        rows = session.exec(select(Comment).order_by(col(Comment.article_id),
                                                     col(Comment.path))).all()
    threads: dict[int, list[Made]] = {}
    for row in rows:
        if row.id not in records:  # another source's
            continue
        threads.setdefault(row.article_id, []).append(Made(
            records[row.id], records.get(row.parent_id) if row.parent_id else None,
            row.number, row.depth, row.nic, row.status, row.website, row.body))
    return threads


def state(comments: Wired) -> dict[str, object]:
    """What an import writes: rows of each table, the outbox's events, the articles' counts."""
    with comments.session() as session:
        counted: dict[str, object] = {
            model.__name__: session.exec(select(func.count()).select_from(model)).one()
            for model in (Comment, Commenter, Nic, ImportedRecord)}
        counted["articles"] = [(a.article_id, a.comment_count, a.last_number) for a in
                               session.exec(select(ArticleReplica)
                                            .order_by(col(ArticleReplica.article_id))).all()]
    counted["outbox"] = comments.events()
    return counted


def run(comments: Wired, source: str, threads: Iterable[SourceThread], summary: Summary,
        **options: int) -> Summary:
    return import_threads(comments.sessions, comments.outbox, source=source, threads=threads,
                          summary=summary, **options)


def skips(summary: Summary) -> dict[tuple[str, str], list[str]]:
    return dict(summary.examples)


# Disqus


def gazette(comments: Wired) -> None:
    """The Gazette's articles, imported before their comments: one found by its old address,
    one (its Disqus link carries a query) by its slug, one at its old address still."""
    publish(comments, 21, "harbour-dredging",
            imported_from="https://gazette.example/2021/03/harbour-dredging/")
    publish(comments, 22, "ferry-timetable",
            imported_from="https://gazette.example/2021/04/ferry-timetable/")
    publish(comments, 23, "regatta", url="http://www.gazette.example/2021/05/regatta")


DISQUS_THREADS = {
    21: [Made("7002", None, 1, 0, "Old Salt", "visible", None, "Will the ferry still run?"),
         Made("7003", "7002", 3, 1, "Marta Quayside", "visible", None,
              "Yes, from the north pier."),
         Made("7001", None, 2, 0, "Marta Quayside", "visible", None,
              "About time. The silt has been [b]terrible[/b] since the storm."),
         # deleted there, with a reply: a removed place
         Made("7004", None, 4, 0, "", "deleted", None, ""),
         Made("7005", "7004", 5, 1, "curious_cat", "visible", None, "Why was that removed?"),
         # its parent (6999) was never exported: top-level
         Made("7007", None, 6, 0, "Late Reader", "visible", None, "I agree with the above."),
         # the script is gone, its name is a nic like any other
         Made("7008", None, 7, 0, "<b>Mallory</b>", "visible", None, "Nice  article")],
    # numbered by date, but a reply dated before its parent comes just after it
    22: [Made("7012", None, 1, 0, "Commuter", "visible", None,
              "The 7:40 is gone? That was [i]my[/i] boat.\n\nSecond paragraph."),
         Made("7014", "7012", 2, 1, "Harbour Master", "visible", None,
              "It was cancelled last winter.")],
    23: [Made("7013", None, 1, 0, "Shutterbug", "visible", None, "Lovely photos.")],
}
DISQUS_SKIPS = {
    ("comment", "deleted on the old site (kept as a removed place: it has replies)"): ["7004"],
    ("comment", "marked as spam on the old site"): ["7006"],
    ("comment", "duplicate id in the file"): ["7001"],
    ("comment", "its thread is not in the file"): ["7009"],
    ("comment", "its thread was deleted in Disqus"): ["7010"],
    ("comment", "no readable date (createdAt)"): ["7011"],
    ("thread", "duplicate id in the file"): ["5100"],
}


def test_disqus_export_becomes_threads_on_the_articles_at_its_addresses(
        comments: Wired) -> None:
    gazette(comments)
    summary = Summary()

    run(comments, "disqus", read_disqus(SAMPLES / "disqus-odd.xml", summary), summary)

    assert made(comments, "disqus") == DISQUS_THREADS
    assert (summary.made["comment"], summary.kept["comment"]) == (9, 0)
    assert summary.made["commenter"] == 8  # each name once
    assert skips(summary) == DISQUS_SKIPS
    assert dict(summary.noted_examples) == {
        ("comment", "its parent is not in the file: imported as a top-level comment"):
            ["7007"]}
    counted = state(comments)
    assert counted["articles"] == [(21, 6, 7), (22, 2, 2), (23, 1, 1)]  # public ones counted
    events = counted["outbox"]
    assert isinstance(events, list) and len(events) == 9
    assert {kind for kind, _ in events} == {"comment.created"}
    assert all(data["imported"] for _, data in events)  # no e-mail for any of them
    assert not any("<script" in data["body_html"] for _, data in events)
    assert "\n".join(summary.lines()).startswith(
        "comment: 9 imported, 0 already here, 6 skipped\n"
        "commenter: 8 imported, 0 already here, 0 skipped\n"
        "thread: 0 imported, 0 already here, 1 skipped\n")


def test_disqus_import_run_again_changes_nothing(comments: Wired) -> None:
    gazette(comments)
    first = Summary()
    run(comments, "disqus", read_disqus(SAMPLES / "disqus-odd.xml", first), first)
    before = state(comments)

    again = Summary()
    run(comments, "disqus", read_disqus(SAMPLES / "disqus-odd.xml", again), again)

    assert state(comments) == before
    assert made(comments, "disqus") == DISQUS_THREADS
    assert (again.made["comment"], again.kept["comment"]) == (0, 9)
    assert again.made["commenter"] == 0
    assert skips(again) == DISQUS_SKIPS


class Stopped(Exception):
    pass


def stopping_after(threads: Iterable[SourceThread], count: int) -> Iterator[SourceThread]:
    """`threads`, stopped (as by Ctrl-C) once `count` of them were taken."""
    for taken, thread in enumerate(threads):
        if taken == count:
            raise Stopped
        yield thread


def test_disqus_import_stopped_half_way_goes_on_from_there(comments: Wired) -> None:
    gazette(comments)
    with pytest.raises(Stopped):
        run(comments, "disqus", stopping_after(read_disqus(SAMPLES / "disqus-odd.xml"), 2),
            Summary(), batch=1)
    assert set(made(comments, "disqus")) == {21, 22}  # committed thread by thread

    summary = Summary()
    run(comments, "disqus", read_disqus(SAMPLES / "disqus-odd.xml", summary), summary)

    assert made(comments, "disqus") == DISQUS_THREADS
    assert (summary.made["comment"], summary.kept["comment"]) == (1, 8)
    assert len(state(comments)["outbox"]) == 9  # type: ignore[arg-type]


def test_disqus_thread_without_its_article_waits_for_it(comments: Wired) -> None:
    """The articles not imported yet: the comments are skipped, and come on the next run."""
    publish(comments, 23, "regatta", url="https://gazette.example/2021/05/regatta/")
    summary = Summary()
    run(comments, "disqus", read_disqus(SAMPLES / "disqus-odd.xml", summary), summary)
    assert set(made(comments, "disqus")) == {23}
    assert summary.skipped["comment", (
        "no article at https://gazette.example/2021/03/harbour-dredging/ (import the articles "
        "first, let the workers run, then run this again)")] == 8  # the spam one too
    publish(comments, 21, "harbour-dredging",
            imported_from="https://gazette.example/2021/03/harbour-dredging/")
    publish(comments, 22, "ferry-timetable",
            imported_from="https://gazette.example/2021/04/ferry-timetable/")

    run(comments, "disqus", read_disqus(SAMPLES / "disqus-odd.xml"), Summary())

    assert made(comments, "disqus") == DISQUS_THREADS


def test_disqus_iso_8859_1_export_keeps_its_accented_names(comments: Wired) -> None:
    # the old address as the posts import keeps it, percent-encoded; the export has it raw
    publish(comments, 40, "crepes", imported_from=(
        "https://cafe.example/recettes/cr%C3%AApes-%C3%A0-la-cr%C3%A8me/"))
    summary = Summary()

    run(comments, "disqus", read_disqus(SAMPLES / "disqus-latin1.xml", summary), summary)

    assert made(comments, "disqus") == {40: [
        Made("300", None, 1, 0, "Zoë Lefèvre", "visible", None,
             "Très bon ! J'ajoute un peu de beurre salé, ça change tout."),
        Made("301", "300", 2, 1, "José Müller", "visible", None, "¿Y con dulce de leche? ¡Sí!"),
        Made("302", "301", 3, 2, "Ægir Þórsson", "visible", None,
             "Ægir says: 5 € € is fine, © me."),
    ]}
    assert not summary.skipped


# Isso


def isso_database(path: Path) -> Path:
    connection = sqlite3.connect(path)
    connection.executescript((SAMPLES / "isso-odd.sql").read_text("utf-8"))
    connection.commit()
    connection.close()
    return path


ISSO_THREADS = {
    # Isso's thread by its path: the article's old address has it
    31: [Made("1", None, 1, 0, "Marta Quayside", "visible", "https://marta.example/",
              "About [b]time[/b]. The silt has been [i]terrible[/i]\n"
              "since the [url=https://weather.example/storm]storm[/url]."),
         Made("2", "1", 2, 1, "Old Salt", "visible", None, "Will the ferry still run?"),
         # dated before its parent: numbered just after it
         Made("8", "2", 3, 2, "Harbour Master", "visible", "https://port.example/",
              "indented: a code block"),
         Made("3", None, 4, 0, "", "deleted", None, ""),
         Made("4", "3", 5, 1, "Anonymous", "visible", None, "Why was that removed?"),
         Made("6", None, 6, 0, "Late Reader", "visible", None, "I agree with the above."),
         # what the commenter typed, as text (Isso showed it so); no javascript: website
         Made("7", None, 7, 0, "<b>Mallory</b>", "visible", None,
              'Nice<script>alert("x")</script> [article](javascript:alert(1))')],
    # and here the article's current address
    32: [Made("9", None, 1, 0, "Zoë Lefèvre", "visible", None,
              "Très bien ! [s]7:40[/s] 7:50, ça me va."),
         Made("10", "9", 2, 1, "José Müller", "visible", None, "¿Y el domingo?")],
}
ISSO_SKIPS = {
    ("comment", "deleted on the old site (kept as a removed place: it has replies)"): ["3"],
    ("comment", "waiting for approval on the old site"): ["5"],
    ("comment", "its thread is not in the database"): ["11"],
    ("comment", "no readable date (created)"): ["12"],
}


def port_news(comments: Wired) -> None:
    publish(comments, 31, "harbour-dredging",
            imported_from="https://gazette.example/2019/05/harbour-dredging/")
    publish(comments, 32, "ferry", url="https://gazette.example/2019/06/ferry-timetable/")


def test_isso_database_becomes_threads_on_the_articles_at_its_paths(
        comments: Wired, tmp_path: Path) -> None:
    port_news(comments)
    database = isso_database(tmp_path / "isso.db")
    summary = Summary()

    run(comments, "isso", read_isso(database, summary), summary)

    assert made(comments, "isso") == ISSO_THREADS
    assert (summary.made["comment"], summary.kept["comment"]) == (8, 0)
    assert skips(summary) == ISSO_SKIPS
    assert dict(summary.noted_examples) == {
        ("comment", "author name empty: imported as 'Anonymous'"): ["4"],
        ("comment", "its parent is not in the file: imported as a top-level comment"): ["6"],
        ("comment", "website not an http(s) address the comment form accepts: left out"):
            ["7"]}
    counted = state(comments)
    assert counted["articles"] == [(31, 6, 7), (32, 2, 2)]
    events = counted["outbox"]
    assert isinstance(events, list) and len(events) == 8
    assert all(kind == "comment.created" and data["imported"] for kind, data in events)
    [mallory] = [data for _, data in events if data["nic"] == "<b>Mallory</b>"]
    assert "<script" not in mallory["body_html"] and "&lt;script&gt;" in mallory["body_html"]


def test_isso_import_run_again_changes_nothing(comments: Wired, tmp_path: Path) -> None:
    port_news(comments)
    database = isso_database(tmp_path / "isso.db")
    run(comments, "isso", read_isso(database), Summary())
    before = state(comments)

    again = Summary()
    run(comments, "isso", read_isso(database, again), again)

    assert state(comments) == before
    assert made(comments, "isso") == ISSO_THREADS
    assert (again.made["comment"], again.kept["comment"]) == (0, 8)
    assert skips(again) == ISSO_SKIPS


def test_disqus_and_isso_ids_never_collide(comments: Wired, tmp_path: Path) -> None:
    """Each source its own namespace of records: Isso's comment 1 is not Disqus's."""
    gazette(comments)
    port_news(comments)
    run(comments, "disqus", read_disqus(SAMPLES / "disqus-odd.xml"), Summary())
    summary = Summary()
    run(comments, "isso", read_isso(isso_database(tmp_path / "isso.db"), summary), summary)
    assert (summary.made["comment"], summary.kept["comment"]) == (8, 0)
    assert made(comments, "isso") == ISSO_THREADS


# The commands


def test_import_disqus_and_import_isso_from_the_command_line(tmp_path: Path) -> None:
    """`python -m services.comments.cli import-disqus FILE.xml` and `import-isso FILE.db`
    on a migrated comments database (PostgreSQL in the PostgreSQL pass): the summary on
    stdout, nothing more the second time, and a one-line error for a file of another kind."""
    url = migrated("comments", database_url(tmp_path, "comments"))
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            for article_id, slug, old in [
                    (21, "harbour-dredging", "https://gazette.example/2021/03/harbour-dredging/"),
                    (22, "ferry-timetable", "https://gazette.example/2021/04/ferry-timetable/"),
                    (23, "regatta", "https://gazette.example/2021/05/regatta/"),
                    (31, "dredging-2019", "https://gazette.example/2019/05/harbour-dredging/"),
                    (32, "ferry-2019", "https://gazette.example/2019/06/ferry-timetable/")]:
                now = utcnow()
                replica.on_article_published(session, ArticlePublished(
                    article_id=article_id, slug=slug, title=slug, category_slug="sea",
                    url=f"https://burg.example/articles/{slug}", category_name="Sea",
                    posted_by="Ed", dateline=date(2021, 1, 1), summary="", body_html="<p>x</p>",
                    published_at=now, updated_at=now, comments_close_at=now + timedelta(days=7),
                    imported_from=old))
            session.commit()
    finally:
        engine.dispose()
    broker = EmbeddedRedis(tmp_path / "redis").start()  # no consumer: events wait there
    try:
        run_commands(tmp_path, url, broker.url)
    finally:
        broker.stop()


def run_commands(tmp_path: Path, url: str, broker: str) -> None:
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_COMMENTS_DATABASE_URL=url,
               BURG_REDIS_URL=broker)
    isso = isso_database(tmp_path / "isso.db")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "services.comments.cli", *args], env=env,
                              capture_output=True, text=True, timeout=120)

    first = cli("import-disqus", str(SAMPLES / "disqus-odd.xml"))
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("comment: 9 imported, 0 already here, 6 skipped\n")
    assert "  skipped 1 comment: marked as spam on the old site (ids 7006)\n" in first.stdout
    isso_run = cli("import-isso", str(isso))
    assert isso_run.returncode == 0, isso_run.stderr
    assert isso_run.stdout.startswith("comment: 8 imported, 0 already here, 4 skipped\n")
    rows = sql(url, "SELECT count(*) FROM comment")

    again = cli("import-disqus", str(SAMPLES / "disqus-odd.xml"))
    assert again.stdout.startswith("comment: 0 imported, 9 already here, 6 skipped\n")
    assert cli("import-isso", str(isso)).stdout.startswith(
        "comment: 0 imported, 8 already here, 4 skipped\n")
    assert sql(url, "SELECT count(*) FROM comment") == rows == [(19,)]  # 2 removed places
    assert sql(url, "SELECT source, count(*) FROM importedrecord WHERE kind = 'comment' "
                    "GROUP BY source ORDER BY source") == [("disqus", 10), ("isso", 9)]
    assert sql(url, "SELECT type, count(*) FROM outbox GROUP BY type") == [
        ("comment.created", 17)]  # one per public comment, as posting would make

    for command, wrong, error in [
            ("import-disqus", isso, "error: not well-formed XML"),
            ("import-isso", SAMPLES / "disqus-odd.xml", "error: "
             f"{SAMPLES / 'disqus-odd.xml'}: not an SQLite database"),
            ("import-isso", tmp_path / "missing.db", f"error: {tmp_path / 'missing.db'}: no "
                                                     "such file"),
            ("import-disqus", tmp_path / "missing.xml", "error: cannot read")]:
        refused = cli(command, str(wrong))
        assert refused.returncode == 1, (command, refused.stdout, refused.stderr)
        last = refused.stderr.strip().splitlines()[-1]  # after the progress bar's lines
        assert last.startswith(error) and "Traceback" not in refused.stderr, refused.stderr


def test_imported_threads_as_readers_get_them_from_the_api(
        tmp_path: Path, in_process_redis_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Both commands run in this process on the service as `bootstrap()` wires it; then each
    thread as the API gives it: replies under their parents, the removed place, the nics."""
    with comments_api(tmp_path, in_process_redis_url) as api:
        runtime = api.service.runtime
        with runtime.sessions() as session:
            for article_id, old in [
                    (21, "https://gazette.example/2021/03/harbour-dredging/"),
                    (31, "https://gazette.example/2019/05/harbour-dredging/")]:
                now = utcnow()
                replica.on_article_published(session, ArticlePublished(
                    article_id=article_id, slug=f"dredging-{article_id}", title="Dredging",
                    url=f"https://burg.example/articles/dredging-{article_id}",
                    category_slug="sea", category_name="Sea", posted_by="Ed",
                    dateline=date(2021, 1, 1), summary="", body_html="<p>x</p>",
                    published_at=now, updated_at=now, comments_close_at=now + timedelta(days=7),
                    imported_from=old))
            session.commit()

        def cli(*argv: str) -> int:
            return run_cli(runtime, list(argv),
                           extra=lambda commands: import_commands(runtime, commands))

        assert cli("import-disqus", str(SAMPLES / "disqus-odd.xml")) == 0
        assert cli("import-isso", str(isso_database(tmp_path / "isso.db"))) == 0
        out = capsys.readouterr().out
        assert "comment: 6 imported, 0 already here, 9 skipped" in out  # 2 threads unmatched
        assert "comment: 6 imported, 0 already here, 6 skipped" in out  # thread 2 unmatched
        client = api.client()

        disqus_thread = client.get("/articles/21/comments").json()
        assert disqus_thread["count"] == 6
        assert [(c["nic"], c["removed"], c["depth"]) for c in disqus_thread["comments"]] == [
            ("Old Salt", False, 0), ("Marta Quayside", False, 1), ("Marta Quayside", False, 0),
            ("", True, 0), ("curious_cat", False, 1), ("Late Reader", False, 0),
            ("<b>Mallory</b>", False, 0)]
        assert not any("<script" in c["body_html"] for c in disqus_thread["comments"])

        isso_thread = client.get("/articles/31/comments").json()
        assert isso_thread["count"] == 6
        assert [(c["nic"], c["removed"], c["depth"]) for c in isso_thread["comments"]] == [
            ("Marta Quayside", False, 0), ("Old Salt", False, 1), ("Harbour Master", False, 2),
            ("", True, 0), ("Anonymous", False, 1), ("Late Reader", False, 0),
            ("<b>Mallory</b>", False, 0)]
        assert isso_thread["comments"][0]["website"] == "https://marta.example/"
