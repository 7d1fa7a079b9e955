"""The Disqus and Isso readers: what each gives of the sample files written for these tests
(tests/comments/samples: a Disqus export with the odd cases, one declared ISO-8859-1, an Isso
database as SQL), of generated very long threads, and of hostile or broken input."""

import gzip
import io
import os
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from services.comments.sources import SourceComment, SourceState, SourceThread
from services.comments.sources.disqus import DisqusFileError, read_disqus
from services.comments.sources.disqus import count as disqus_count
from services.comments.sources.isso import IssoDatabaseError, read_isso
from services.comments.sources.isso import count as isso_count
from services.comments.sources.order import parents_first
from shared.importing import Summary
from tests.hostile_text import bounded, hostile

SAMPLES = Path(__file__).parent / "samples"
DISQUS = "http://disqus.com"
DSQ = "http://disqus.com/disqus-internals"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def comment(source_id: str, created: str, author: str, html: str, parent: str | None = None,
            state: SourceState = SourceState.public, website: str | None = None
            ) -> SourceComment:
    return SourceComment(source_id=source_id, parent_id=parent, author=author, website=website,
                         created_at=at(created), html=html, state=state)


def skipped(summary: Summary) -> dict[tuple[str, str], list[str]]:
    """Each (kind, reason) of the summary with the ids it names, checked against its count."""
    for key, count in summary.skipped.items():
        assert count == len(summary.examples[key])
    return dict(summary.examples)


def isso_database(path: Path, script: str | None = None) -> Path:
    """The Isso sample database (or `script`'s) built as a SQLite file at `path`."""
    connection = sqlite3.connect(path)
    connection.executescript(script or (SAMPLES / "isso-odd.sql").read_text("utf-8"))
    connection.commit()
    connection.close()
    return path


# Disqus


def test_disqus_sample_gives_its_threads_with_every_comment_as_disqus_had_it() -> None:
    summary = Summary()
    threads = list(read_disqus(SAMPLES / "disqus-odd.xml", summary))

    assert threads == [
        SourceThread(source_id="5100", url="https://gazette.example/2021/03/harbour-dredging/",
                     title="The harbour will be dredged in May", comments=[
            # by date, not by the file's order
            comment("7002", "2021-03-02T08:45", "Old Salt",
                    "<p>Will the ferry still run?</p>"),
            comment("7001", "2021-03-02T09:15", "Marta Quayside",
                    "<p>About time. The silt has been <b>terrible</b> since the storm.</p>"),
            comment("7003", "2021-03-02T10:00", "Marta Quayside",
                    "<p>Yes, from the north pier.</p>", parent="7002"),
            comment("7004", "2021-03-02T11:00", "Someone", "", state=SourceState.deleted),
            # no name: the username; +01:00 made UTC
            comment("7005", "2021-03-02T11:30", "curious_cat",
                    "<p>Why was that removed?</p>", parent="7004"),
            comment("7006", "2021-03-02T12:00", "Watches",
                    '<p>Cheap watches at <a href="http://spam.example/">spam.example</a></p>',
                    state=SourceState.spam),
            comment("7007", "2021-03-02T13:00", "Late Reader",
                    "<p>I agree with the above.</p>", parent="6999"),  # not in the file
            # the body and name as Disqus kept them: the importer sanitises
            comment("7008", "2021-03-02T14:00", "<b>Mallory</b>",
                    '<p>Nice<script>alert("x")</script> <img src=x onerror="alert(1)"> '
                    'article</p>'),
        ]),
        SourceThread(source_id="5103",
                     url="https://gazette.example/2021/04/ferry-timetable/?utm_source=feed",
                     title="New ferry timetable & fares", comments=[
            comment("7012", "2021-04-01T08:00", "Commuter",
                    "<p>The 7:40 is gone? That was <i>my</i> boat.</p>\n"
                    "<p>Second paragraph.</p>"),
            # dated a minute before its parent, still after it
            comment("7014", "2021-04-01T07:59", "Harbour Master",
                    "<p>It was cancelled last winter.</p>", parent="7012"),
        ]),
        # after its post in the file; no title
        SourceThread(source_id="5104", url="https://gazette.example/2021/05/regatta/", title="",
                     comments=[comment("7013", "2021-05-01T12:00", "Shutterbug",
                                       "<p>Lovely photos.</p>")]),
    ]
    assert skipped(summary) == {
        ("comment", "duplicate id in the file"): ["7001"],
        ("comment", "its thread is not in the file"): ["7009"],
        ("comment", "its thread was deleted in Disqus"): ["7010"],
        ("comment", "no readable date (createdAt)"): ["7011"],
        ("thread", "duplicate id in the file"): ["5100"],
    }
    assert not summary.made and not summary.kept


def test_disqus_never_reads_an_e_mail_or_ip_address() -> None:
    threads = list(read_disqus(SAMPLES / "disqus-odd.xml"))
    text = repr(threads)
    assert "@" not in text
    assert "mail.example" not in text and "198.51.100" not in text and "192.0.2" not in text


def test_disqus_export_declared_iso_8859_1_is_read_in_its_encoding() -> None:
    raw = (SAMPLES / "disqus-latin1.xml").read_bytes()
    assert "Zoë".encode("iso-8859-1") in raw and "Zoë".encode() not in raw  # the sample is

    [thread] = read_disqus(SAMPLES / "disqus-latin1.xml")

    assert thread.title == "Crêpes à la crème fraîche"
    assert thread.url == "https://cafe.example/recettes/crêpes-à-la-crème/"
    assert [(c.source_id, c.parent_id, c.author) for c in thread.comments] == [
        ("300", None, "Zoë Lefèvre"), ("301", "300", "José Müller"),
        ("302", "301", "Ægir Þórsson")]
    assert thread.comments[0].html == (
        "<p>Très bon ! J'ajoute un peu de beurre salé, ça change tout.</p>")
    assert thread.comments[1].html == "<p>¿Y con dulce de leche? ¡Sí!</p>"
    # entities inside CDATA are HTML's business, kept as they are
    assert thread.comments[2].html == "<p>Ægir says: 5 &euro; &#8364; is fine, &copy; me.</p>"


def test_disqus_reads_an_open_binary_file_too() -> None:
    with (SAMPLES / "disqus-latin1.xml").open("rb") as file:
        [thread] = read_disqus(io.BytesIO(file.read()))
    assert len(thread.comments) == 3


def test_disqus_export_gzipped_as_disqus_sends_it(tmp_path: Path) -> None:
    packed = tmp_path / "export.xml.gz"
    packed.write_bytes(gzip.compress((SAMPLES / "disqus-latin1.xml").read_bytes()))
    assert list(read_disqus(packed)) == list(read_disqus(SAMPLES / "disqus-latin1.xml"))
    assert disqus_count(packed) == 1
    cut = tmp_path / "cut.xml.gz"
    cut.write_bytes(packed.read_bytes()[:-40])
    with pytest.raises(DisqusFileError, match="cannot read the file"):
        list(read_disqus(cut))
    assert disqus_count(cut) == 0


def test_disqus_count_is_the_threads_given(tmp_path: Path) -> None:
    assert disqus_count(SAMPLES / "disqus-odd.xml") == len(list(read_disqus(
        SAMPLES / "disqus-odd.xml")))
    assert disqus_count(tmp_path / "missing.xml") == 0
    with pytest.raises(DisqusFileError, match=re.escape(
            f"cannot read {tmp_path / 'missing.xml'}: No such file")):
        read_disqus(tmp_path / "missing.xml")  # at once, before an import starts
    with pytest.raises(DisqusFileError, match=re.escape(f"cannot read {tmp_path}: Is a dir")):
        read_disqus(tmp_path)


def disqus_export(threads: list[tuple[str, str]], posts: list[dict[str, str]]) -> bytes:
    """An export built with lxml: `threads` as (dsq:id, link), `posts` as their fields."""
    root = etree.Element(f"{{{DISQUS}}}disqus", nsmap={None: DISQUS, "dsq": DSQ})
    for thread_id, link in threads:
        thread = etree.SubElement(root, f"{{{DISQUS}}}thread", {f"{{{DSQ}}}id": thread_id})
        etree.SubElement(thread, f"{{{DISQUS}}}link").text = link
        etree.SubElement(thread, f"{{{DISQUS}}}title").text = f"Thread {thread_id}"
    for fields in posts:
        post = etree.SubElement(root, f"{{{DISQUS}}}post", {f"{{{DSQ}}}id": fields["id"]})
        etree.SubElement(post, f"{{{DISQUS}}}message").text = fields.get("message", "<p>x</p>")
        etree.SubElement(post, f"{{{DISQUS}}}createdAt").text = fields["created"]
        etree.SubElement(post, f"{{{DISQUS}}}isDeleted").text = "false"
        etree.SubElement(post, f"{{{DISQUS}}}isSpam").text = "false"
        author = etree.SubElement(post, f"{{{DISQUS}}}author")
        etree.SubElement(author, f"{{{DISQUS}}}email").text = "a@b.example"
        etree.SubElement(author, f"{{{DISQUS}}}name").text = fields.get("name", "Reader")
        etree.SubElement(post, f"{{{DISQUS}}}thread", {f"{{{DSQ}}}id": fields["thread"]})
        if "parent" in fields:
            etree.SubElement(post, f"{{{DISQUS}}}parent", {f"{{{DSQ}}}id": fields["parent"]})
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def test_disqus_very_long_thread_comes_whole_parents_first(tmp_path: Path) -> None:
    """20,000 posts in one thread, in the file newest first: a chain of 5,000 replies, each
    to the one before (deeper than any recursion could go), and 15,000 replies to posts of
    that chain or to each other."""
    start = datetime(2020, 1, 1, tzinfo=UTC)
    posts = []
    for n in range(20_000):
        fields = {"id": str(n), "thread": "1",
                  "created": (start + timedelta(seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")}
        if n and n < 5_000:
            fields["parent"] = str(n - 1)
        elif n >= 5_000:
            fields["parent"] = str((n * 7919) % (n - 1))
        posts.append(fields)
    path = tmp_path / "long.xml"
    path.write_bytes(disqus_export([("1", "https://x.example/long/")], posts[::-1]))

    [thread] = read_disqus(path)

    assert [c.source_id for c in thread.comments] == [str(n) for n in range(20_000)]
    assert [c.parent_id for c in thread.comments[:3]] == [None, "0", "1"]
    placed: set[str] = set()
    for each in thread.comments:
        assert each.parent_id is None or each.parent_id in placed
        placed.add(each.source_id)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("laughs.xml", b'<?xml version="1.0"?>\n<!DOCTYPE disqus [<!ENTITY a "aaaaaaaaaa">'
     b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<disqus xmlns="http://disqus.com">'
     b"<thread><title>&b;</title></thread></disqus>", "has no DOCTYPE"),
    ("external.xml", b'<?xml version="1.0"?>\n<!DOCTYPE disqus SYSTEM '
     b'"http://127.0.0.1:9/x.dtd">\n<disqus xmlns="http://disqus.com"/>', "has no DOCTYPE"),
    ("entity.xml", b'<disqus xmlns="http://disqus.com"><post>&nbsp;</post></disqus>',
     "not well-formed XML"),
    ("cut.xml", b'<?xml version="1.0"?>\n<disqus xmlns="http://disqus.com"><thread>',
     "not well-formed XML"),
    ("empty.xml", b"", "not well-formed XML"),
    ("rss.xml", b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>',
     "not a Disqus export: its root is rss"),
    ("nons.xml", b"<disqus><thread/></disqus>", "not a Disqus export: its root is disqus"),
    ("latin1-lie.xml", '<?xml version="1.0" encoding="UTF-8"?><disqus xmlns='
     '"http://disqus.com"><category>Zoë</category></disqus>'.encode("iso-8859-1"),
     "not well-formed XML"),
])
def test_disqus_refuses_what_is_not_a_plain_disqus_export(
        tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DisqusFileError, match=re.escape(message)):
        list(read_disqus(path))


def xml_text(value: str) -> str:
    """`value` without what XML 1.0 cannot carry at all (C0 controls, surrogates, U+FFFE/F)."""
    return "".join(c for c in value if c in "\t\n\r" or (
        0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) >= 0x10000))


@bounded(60)
@given(name=hostile(2_000), message=hostile(), link=hostile(300))
def test_disqus_gives_any_text_back_as_the_file_holds_it(name: str, message: str,
                                                         link: str) -> None:
    name, message, link = xml_text(name), xml_text(message), xml_text(link)
    export = disqus_export([("1", link)], [
        {"id": "1", "thread": "1", "created": "2020-01-01T00:00:00Z", "name": name,
         "message": message}])
    threads = list(read_disqus(io.BytesIO(export)))
    assert threads == [SourceThread(
        source_id="1", url=link.strip() or None, title="Thread 1",
        comments=[SourceComment(source_id="1", parent_id=None, author=name.strip(),
                                website=None, created_at=at("2020-01-01T00:00"),
                                html=message.strip())])]


@bounded(60)
@given(st.binary(max_size=400))
def test_disqus_bytes_are_read_or_refused_never_crash(raw: bytes) -> None:
    prefix = b'<?xml version="1.0"?><disqus xmlns="http://disqus.com" xmlns:dsq="' + \
        DSQ.encode() + b'">'
    for content in (raw, prefix + raw, prefix + raw + b"</disqus>"):
        try:
            threads = list(read_disqus(io.BytesIO(content)))
        except DisqusFileError:
            continue
        assert all(isinstance(thread, SourceThread) for thread in threads)


# Isso


def test_isso_sample_gives_its_threads_with_every_comment_as_isso_had_it(
        tmp_path: Path) -> None:
    path = isso_database(tmp_path / "comments.db")
    summary = Summary()

    threads = list(read_isso(path, summary))

    assert threads == [
        SourceThread(source_id="1", url="/2019/05/harbour-dredging/",
                     title="The harbour will be dredged", comments=[
            comment("1", "2019-05-02T09:00", "Marta Quayside",
                    "<p>About <strong>time</strong>. The silt has been <em>terrible</em><br />\n"
                    'since the <a href="https://weather.example/storm">storm</a>.</p>',
                    website="https://marta.example/"),
            comment("2", "2019-05-02T10:00:00.5", "Old Salt",
                    "<p>Will the ferry still run?</p>", parent="1"),  # website '': none
            # dated before its parent, given after it; indented Markdown is code; trimmed
            comment("8", "2019-05-02T09:58:20", "Harbour Master",
                    "<pre><code>indented: a code block\n</code></pre>", parent="2",
                    website="https://port.example/"),
            comment("3", "2019-05-02T11:00", "", "", state=SourceState.deleted),
            comment("4", "2019-05-02T12:00", "", "<p>Why was that removed?</p>", parent="3"),
            comment("5", "2019-05-02T13:00", "Watches",
                    "<p>Cheap watches at http://spam.example/</p>",
                    state=SourceState.pending, website="http://spam.example/"),
            comment("6", "2019-05-02T14:00", "Late Reader", "<p>I agree with the above.</p>",
                    parent="999"),  # not in the database
            # raw HTML stays text, a javascript: link is no link; the website as it was given
            # (the importer checks it)
            comment("7", "2019-05-02T15:00", "<b>Mallory</b>",
                    "<p>Nice&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
                    "[article](javascript:alert(1))</p>", website="javascript:alert(1)"),
        ]),
        SourceThread(source_id="2", url="/2019/06/ferry-timetable/", title="", comments=[
            comment("9", "2019-06-01T07:30:00.25", "Zoë Lefèvre",
                    "<p>Très bien ! <s>7:40</s> 7:50, ça me va.</p>"),
            comment("10", "2019-06-01T08:30", "José Müller", "<p>¿Y el domingo?</p>",
                    parent="9"),
        ]),
    ]
    assert skipped(summary) == {
        ("comment", "its thread is not in the database"): ["11"],
        ("comment", "no readable date (created)"): ["12"],
    }


def test_isso_count_is_the_threads_given(tmp_path: Path) -> None:
    assert isso_count(isso_database(tmp_path / "comments.db")) == 2
    assert isso_count(tmp_path / "missing.db") == 0
    with pytest.raises(IssoDatabaseError, match=re.escape("missing.db: no such file")):
        read_isso(tmp_path / "missing.db")  # at once, before an import starts
    with pytest.raises(IssoDatabaseError, match=re.escape(f"{tmp_path}: not a file")):
        read_isso(tmp_path)


def test_isso_database_is_only_read(tmp_path: Path) -> None:
    """Opened read-only: a database no one may write to is read, and is left as it was."""
    path = isso_database(tmp_path / "comments.db")
    before = path.read_bytes()
    path.chmod(0o444)
    try:
        assert len(list(read_isso(path))) == 2
    finally:
        path.chmod(0o644)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["comments.db"]  # no journal left behind


def test_isso_database_whose_name_looks_like_a_uri_is_found(tmp_path: Path) -> None:
    folder = tmp_path / "isso data #1?"
    folder.mkdir()
    path = isso_database(folder / "comments 100%.db")
    assert len(list(read_isso(str(path)))) == 2


def test_isso_duplicate_ids_count_once(tmp_path: Path) -> None:
    """A hand-made or damaged database without Isso's primary key may repeat an id."""
    path = isso_database(tmp_path / "comments.db", """
        CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256), title VARCHAR(256));
        CREATE TABLE comments (tid INTEGER, id INTEGER, parent INTEGER, created FLOAT,
            mode INTEGER, text VARCHAR, author VARCHAR, website VARCHAR);
        INSERT INTO threads VALUES (1, '/a/', 'A');
        INSERT INTO comments VALUES (1, 1, NULL, 1000.0, 1, 'first', 'Ann', NULL);
        INSERT INTO comments VALUES (1, 1, NULL, 2000.0, 1, 'again', 'Bob', NULL);
        INSERT INTO comments VALUES (1, 2, NULL, 3000.0, 3, 'odd mode', NULL, NULL);
        INSERT INTO comments VALUES (1, 3, NULL, 4000.0, NULL, 'no mode', NULL, NULL);
    """)
    summary = Summary()
    [thread] = read_isso(path, summary)
    assert [(c.source_id, c.html, c.state) for c in thread.comments] == [
        ("1", "<p>first</p>", SourceState.public),
        ("2", "<p>odd mode</p>", SourceState.pending),  # not a plain 1: not shown there
        ("3", "<p>no mode</p>", SourceState.pending)]
    assert skipped(summary) == {("comment", "duplicate id in the database"): ["1"]}


def test_isso_very_long_thread_comes_whole_parents_first(tmp_path: Path) -> None:
    rows = [f"(1, {n}, {'NULL' if n == 1 else (n - 1 if n <= 3_000 else n * 31 % (n - 1) + 1)}, "
            f"{1_600_000_000 + n}.0, 1, 'Comment {n}', 'Reader {n % 7}', '')"
            for n in range(1, 20_001)]
    path = isso_database(tmp_path / "comments.db", "\n".join([
        "CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256), title VARCHAR(256));",
        "CREATE TABLE comments (tid, id INTEGER PRIMARY KEY, parent INTEGER, created FLOAT,"
        " mode INTEGER, text VARCHAR, author VARCHAR, website VARCHAR);",
        "BEGIN;",  # one transaction: not 20,000 syncs
        "INSERT INTO threads VALUES (1, '/long/', 'Long');",
        *(f"INSERT INTO comments VALUES {row};" for row in rows),
        "COMMIT;"]))

    [thread] = read_isso(path)

    assert len(thread.comments) == 20_000
    assert thread.comments[0] == comment("1", "2020-09-13T12:26:41", "Reader 1",
                                         "<p>Comment 1</p>")
    assert thread.comments[-1] == SourceComment(
        source_id="20000", parent_id=str(20000 * 31 % 19999 + 1), author="Reader 1",
        website=None, created_at=datetime.fromtimestamp(1_600_020_000, UTC),
        html="<p>Comment 20000</p>")
    placed: set[str] = set()
    for each in thread.comments:
        assert each.parent_id is None or each.parent_id in placed
        placed.add(each.source_id)


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    (b"SQLite format 3\x00" + b"\x00" * 200, "not an SQLite database"),
    (b"<disqus/>" * 100, "not an SQLite database"),
    (b"", "not an Isso database (no table comments, threads)"),
])
def test_isso_refuses_what_is_not_an_isso_database(tmp_path: Path, content: bytes | None,
                                                   message: str) -> None:
    path = tmp_path / "comments.db"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(IssoDatabaseError, match=re.escape(message)):
        list(read_isso(path))


def test_isso_refuses_a_database_without_the_columns_it_reads(tmp_path: Path) -> None:
    path = isso_database(tmp_path / "comments.db", """
        CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256), title VARCHAR(256));
        CREATE TABLE comments (tid INTEGER, id INTEGER, body VARCHAR);
    """)
    with pytest.raises(IssoDatabaseError, match="no such column"):
        list(read_isso(path))


MARKDOWN_TAGS = {"p", "br", "strong", "em", "a", "code", "pre", "blockquote", "ul", "ol", "li",
                 "h1", "h2", "h3", "h4", "h5", "h6", "hr", "s", "img"}


@bounded(60)
@given(text=hostile(), author=hostile(300), website=hostile(300))
def test_isso_any_text_becomes_markdown_html_and_nothing_more(
        tmp_path_factory: pytest.TempPathFactory, text: str, author: str, website: str) -> None:
    text, author, website = (value.encode("utf-8", "replace").decode()
                             for value in (text, author, website))  # SQLite takes no surrogate
    path = tmp_path_factory.mktemp("isso") / "comments.db"
    connection = sqlite3.connect(path)
    connection.executescript((SAMPLES / "isso-odd.sql").read_text("utf-8"))
    connection.execute("INSERT INTO comments (tid, id, created, mode, text, author, website,"
                       " voters) VALUES (3, 100, 1e9, 1, ?, ?, ?, x'00')",
                       (text, author, website))
    connection.commit()
    connection.close()

    [made] = [thread for thread in read_isso(path) if thread.source_id == "3"]

    [only] = made.comments
    assert only.author == author.strip() and only.website == (website.strip() or None)
    for match in re.finditer(r"<(/?)([^\s>/]*)", only.html):
        assert match.group(2) in MARKDOWN_TAGS, only.html
    assert "javascript:" not in " ".join(re.findall(r'href="[^"]*"', only.html))


# the order


def test_parents_first_survives_a_loop_of_parents() -> None:
    """Only a broken file has one; its comments still come, last, by date."""
    loop = [comment("a", "2020-01-01T00:03", "A", "", parent="b"),
            comment("b", "2020-01-01T00:02", "B", "", parent="a"),
            comment("c", "2020-01-01T00:01", "C", "", parent="c"),  # its own parent
            comment("d", "2020-01-01T00:04", "D", "", parent="c")]
    assert [c.source_id for c in parents_first(loop)] == ["c", "d", "b", "a"]


@bounded(200)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(-1, 30), st.integers(0, 5)),
                max_size=40))
def test_parents_first_is_a_reordering_with_every_parent_before_its_replies(
        drawn: list[tuple[int, int, int]]) -> None:
    """Any ids (repeated too), any parents (missing, themselves, in loops), any dates."""
    comments = [comment(str(own), f"2020-01-01T00:0{minute}", "A", "",
                        parent=None if parent < 0 else str(parent))
                for own, parent, minute in drawn]
    ordered = parents_first(comments)

    ids = {c.source_id for c in comments}
    reached = {index for index, c in enumerate(comments)  # first-level ones
               if c.parent_id is None or c.parent_id not in ids or c.parent_id == c.source_id}
    while True:  # and the replies to what is reached, to any depth
        reached_ids = {comments[index].source_id for index in reached}
        more = {index for index, c in enumerate(comments)
                if index not in reached and c.parent_id in reached_ids}
        if not more:
            break
        reached |= more
    head, tail = ordered[:len(reached)], ordered[len(reached):]
    assert sorted(map(id, head)) == sorted(id(comments[index]) for index in reached)
    placed: set[str] = set()
    for each in head:
        assert each.parent_id is None or each.parent_id not in ids \
            or each.parent_id == each.source_id or each.parent_id in placed
        placed.add(each.source_id)
    # the loops' comments, last, by date (then as given)
    assert tail == sorted([c for index, c in enumerate(comments) if index not in reached],
                          key=lambda c: c.created_at)


def test_disqus_threads_of_one_page_come_as_one_numbered_by_date(tmp_path: Path) -> None:
    """Disqus made a second thread when the site moved to https and www.: the page's comments
    come as one thread under the first one's id, by date across both."""
    path = tmp_path / "moved.xml"
    path.write_bytes(disqus_export(
        [("1", "http://gazette.example/ferry"), ("2", "https://www.gazette.example/ferry/"),
         ("3", "https://gazette.example/other/")],
        [{"id": "10", "thread": "1", "created": "2020-01-01T10:00:00Z"},
         {"id": "20", "thread": "2", "created": "2020-01-01T09:00:00Z"},
         {"id": "11", "thread": "1", "created": "2020-01-01T11:00:00Z", "parent": "20"},
         {"id": "30", "thread": "3", "created": "2020-01-01T08:00:00Z"}]))

    ferry, other = read_disqus(path)

    assert (ferry.source_id, ferry.url) == ("1", "http://gazette.example/ferry")
    assert [c.source_id for c in ferry.comments] == ["20", "10", "11"]
    assert [c.source_id for c in other.comments] == ["30"]
    assert disqus_count(path) == 2
