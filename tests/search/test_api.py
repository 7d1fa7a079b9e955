"""The search API and its consumer, in process: what the events put in and take out of the
index, what a search answers (order, pages, marks), on a database of its own."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from services.search.indexing import on_comment_created
from shared.events import (
    ArticleRetracted,
    ArticleUpdated,
    CommentEdited,
    CommentRemoved,
    CommentRestored,
    Envelope,
)
from tests.databases import BACKEND
from tests.search.inprocess import NOON, SearchApi, article, comment, search_api


@pytest.fixture
def api(tmp_path: Path, redis_url: str) -> Iterator[SearchApi]:
    # fresh_seconds=0: a change is in the very next search (the window has its own tests).
    with search_api(tmp_path, redis_url, page_size=3, fresh_seconds=0) as running:
        yield running


def test_articles_and_comments_are_found_by_their_words_with_the_words_marked(
        api: SearchApi) -> None:
    api.handle(article(body="<p>The ferry <b>fares</b> rose again.</p>"))
    api.handle(comment(7, "Fares were <i>lower</i> last year."))
    found = api.find("fares", order="newest")
    assert [(h["kind"], h["id"]) for h in found["results"]] == [("comment", 7), ("article", 1)]
    [note, story] = found["results"]
    assert "<mark>Fares</mark> were lower" in note["snippet_html"]
    assert note["title"] == "Ferry fares" and note["title_html"] == "Ferry fares"
    assert story["title_html"] == "Ferry <mark>fares</mark>"
    assert "<mark>fares</mark> rose" in story["snippet_html"]
    assert note["nic"] == "Frank" and story["nic"] == "Ed"
    assert found["next_page"] is None and found["order"] == "newest"


def test_every_word_must_be_there_and_a_quoted_phrase_in_a_row(api: SearchApi) -> None:
    api.handle(article(body="<p>red ferry blue</p>"))
    api.handle(comment(7, "blue ferry red"))
    assert api.ids("ferry red", order="newest") == [("comment", 7), ("article", 1)]
    assert api.ids('"red ferry"') == [("article", 1)]
    assert api.ids("ferry nowhere") == []


def test_pages_of_results_newest_first(api: SearchApi) -> None:
    for number in range(1, 8):
        api.handle(comment(number, f"harbour number {number}", minutes=number))
    first = api.find("harbour", order="newest")
    assert [h["id"] for h in first["results"]] == [7, 6, 5] and first["next_page"] == 2
    assert api.ids("harbour", order="newest", page=3) == [("comment", 1)]
    assert api.find("harbour", order="newest", page=3)["next_page"] is None


def test_most_relevant_first_puts_a_title_match_before_a_passing_mention(
        api: SearchApi) -> None:
    api.handle(article(1, title="Lighthouse keepers", body="<p>A story.</p>"))
    api.handle(article(2, title="Weather", body="<p>Rain, and one lighthouse.</p>",
                       minutes=5))
    assert api.ids("lighthouse", order="relevant")[0] == ("article", 1)
    assert api.ids("lighthouse", order="newest")[0] == ("article", 2)


def test_removed_and_retracted_leave_at_once_and_stay_out(api: SearchApi) -> None:
    api.handle(article(body="<p>Harbour news.</p>"))
    api.handle(comment(7, "harbour gossip"))
    api.handle(comment(8, "harbour rumours", minutes=2))
    api.handle(CommentRemoved(comment_id=7, article_id=1))
    assert api.ids("harbour", order="newest") == [("comment", 8), ("article", 1)]
    api.handle(comment(7, "harbour gossip"))  # a late copy of its creation
    assert ("comment", 7) not in api.ids("harbour")
    api.handle(comment(7, "harbour gossip", event=CommentRestored))
    assert ("comment", 7) in api.ids("harbour")
    api.handle(ArticleRetracted(article_id=1, category_slug="sea",
                                retracted_at=NOON + timedelta(minutes=10)))
    assert api.ids("harbour") == []
    api.handle(article(body="<p>Harbour news.</p>", updated=5))  # older than the retraction
    assert api.ids("harbour") == []


def test_edits_are_indexed_anew_and_an_older_edit_changes_nothing(api: SearchApi) -> None:
    api.handle(article(body="<p>Old words.</p>"))
    api.handle(article(body="<p>New words.</p>", updated=5, event=ArticleUpdated))
    api.handle(article(body="<p>Stale words.</p>", updated=1, event=ArticleUpdated))
    assert api.ids("new") == [("article", 1)]
    assert api.ids("old") == api.ids("stale") == []
    api.handle(comment(7, "first thought"))
    api.handle(CommentEdited(comment_id=7, article_id=1, body_html="second thought",
                             edited_at=NOON + timedelta(minutes=9)))
    assert api.ids("second") == [("comment", 7)] and api.ids("first") == []


def test_a_renamed_article_renames_its_comments_results(api: SearchApi) -> None:
    api.handle(article())
    api.handle(comment(7, "rowing boats"))
    api.handle(article(title="Boat prices", updated=5, event=ArticleUpdated))
    [hit] = api.find("rowing")["results"]
    assert hit["title"] == "Boat prices"


def test_an_event_delivered_twice_is_indexed_once(api: SearchApi) -> None:
    event = comment(7, "twice told")
    envelope = Envelope.wrap(event, producer="tests").model_dump(mode="json")
    assert api.service.runtime.inbox.handle(envelope)
    assert not api.service.runtime.inbox.handle(envelope)  # redelivered: skipped
    assert api.ids("twice") == [("comment", 7)]
    api.handle(event)  # a new envelope, same comment: replaces, never duplicates
    assert api.ids("twice") == [("comment", 7)]


def test_a_batch_indexes_as_its_events_one_by_one(tmp_path: Path, redis_url: str) -> None:
    """Comments created are indexed together before the next event of another kind or the
    commit: whatever the events around them, the index ends as if each came alone."""
    at = NOON + timedelta(minutes=30)
    events = [
        article(body="<p>Harbour news.</p>"), article(2, title="Pier", minutes=1),
        comment(7, "harbour gossip"), comment(8, "harbour rumours", minutes=2),
        CommentRemoved(comment_id=7, article_id=1), comment(7, "harbour gossip"),
        comment(9, "harbour tale", minutes=3), comment(9, "harbour tale", minutes=3),
        comment(1024 + 9, "harbour twin", minutes=3),  # wants comment 9's id
        comment(20, "pier talk", article_id=2), comment(7, "gossip", event=CommentRestored),
        CommentEdited(comment_id=8, article_id=1, body_html="<p>harbour facts</p>",
                      edited_at=at),
        comment(21, "pier walk", article_id=2, minutes=4),
        article(title="Harbour renamed", updated=5, event=ArticleUpdated),
        ArticleRetracted(article_id=2, category_slug="sea", retracted_at=at),
        comment(22, "pier late", article_id=2, minutes=5), comment(10, "harbour end")]
    with search_api(tmp_path / "batch", redis_url, fresh_seconds=0) as batched, \
            search_api(tmp_path / "alone", redis_url, fresh_seconds=0) as alone:
        assert all(batched.handle_batch(events))
        for event in events:
            alone.handle(event)
        assert indexed(batched) == indexed(alone)
        assert sorted(batched.ids("harbour")) == [("article", 1), ("comment", 8),
                                                  ("comment", 9), ("comment", 10),
                                                  ("comment", 1033)]
        assert batched.ids("pier") == [] and batched.ids("gossip") == [("comment", 7)]


def test_a_rolled_back_batch_leaves_no_comment_queued(api: SearchApi) -> None:
    """A comment queued in a transaction that rolls back is not indexed by the session's
    next commit, and a batch that fails indexes none of its comments."""
    with api.service.runtime.sessions() as session:
        session.execute(text("SELECT 1"))  # in a transaction, as the inbox's statement begins
        on_comment_created(session, comment(7, "ghost words"))
        session.rollback()
        session.commit()
    assert api.ids("ghost") == []
    def broken(_session: Any, _event: Any) -> None:
        raise RuntimeError("the handler fails")

    api.service.runtime.inbox.handlers["comment.removed"] = broken
    with pytest.raises(RuntimeError):  # the second event fails: so does the batch
        api.handle_batch([comment(8, "ghost again"), CommentRemoved(comment_id=1, article_id=1)])
    assert api.ids("ghost") == []
    api.handle(comment(9, "ghost at last"))
    assert api.ids("ghost") == [("comment", 9)]


def indexed(api: SearchApi) -> list[list[tuple[Any, ...]]]:
    """Every row of the index's tables (the full-text index's too, on SQLite)."""
    tables = ["searchdoc", "searchgone"] + (["search_fts"] if BACKEND == "sqlite" else [])
    with api.service.runtime.engine.connect() as connection:
        return [[tuple(row) for row in connection.execute(text(
            f"SELECT {'rowid, *' if table == 'search_fts' else '*'} FROM {table} "
            "ORDER BY 1, 2"))] for table in tables]


def test_snippets_escape_everything_but_the_marks(api: SearchApi) -> None:
    api.handle(comment(7, "&lt;script&gt;alert(1)&lt;/script&gt; danger \ue000x\ue001 "
                          "&lt;mark&gt; &amp; more words to show"))
    [hit] = api.find("danger")["results"]
    snippet = hit["snippet_html"]
    assert "<mark>danger</mark>" in snippet
    assert snippet.replace("<mark>danger</mark>", "").count("<") == 0
    if BACKEND == "sqlite":  # (PostgreSQL's ts_headline leaves tag-like words out)
        assert "&lt;script&gt;" in snippet and "&lt;mark&gt;" in snippet


@pytest.mark.parametrize("q", [
    '"unbalanced', 'a "b', 'NEAR(fares ferry)', "fares AND ferry", "fares OR", "fares*",
    "^fares", "title:fares", "body:x", "fares NOT ferry", "-fares", "(fares", "fares)",
    "'fares'", "fa\\res", "{title}: fares", "fares + ferry", "!fares", "fares <-> ferry",
    "fares & ferry | x", "f\u0000ares", "\ufffd fares", "fares\u200b"])
def test_operators_and_odd_punctuation_are_words_or_nothing(api: SearchApi, q: str) -> None:
    api.handle(article(body="<p>Fares on the ferry.</p>"))
    response = api.client.get("/api/search/", params={"q": q})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert "q:" in response.json()["detail"]


@pytest.mark.parametrize("q, words", [
    ("", "at least one word"), ("   ", "at least one word"), ("*** ^^ ::", "at least one"),
    ("x" * 10_000, "at most 500 characters"), (" ".join(["w"] * 17), "at most 16 words")])
def test_a_query_with_no_word_or_too_much_is_a_clear_422(api: SearchApi, q: str,
                                                           words: str) -> None:
    response = api.client.get("/api/search/", params={"q": q})
    assert response.status_code == 422 and words in response.json()["detail"]


def test_bad_order_or_page_is_a_clear_422(api: SearchApi) -> None:
    tries: list[dict[str, str | int]] = [{"order": "oldest"}, {"page": 0}, {"page": "x"},
                                         {"page": 51}]
    for params in tries:
        response = api.client.get("/api/search/", params={"q": "fares", **params})
        assert response.status_code == 422, params
        assert response.json()["detail"]
