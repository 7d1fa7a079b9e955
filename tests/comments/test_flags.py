"""Readers report comments: one report per reader and comment, rate limited, listed for the
editors with counts and reasons, dismissed or decided by them; enough distinct readers hold
a comment automatically. The API's own decisions are checked on its app in this process
(each client an address of its own); that a held comment leaves the feeds, on the session's
Burg (tests/comments/test_flag_feeds.py)."""

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from services.comments import flagging
from services.comments.flag_models import FlagCreate
from services.comments.models import Comment, Commenter
from services.comments.settings import CommentsSettings
from shared.embedded_redis import EmbeddedRedis
from shared.errors import NotFound
from tests.comments.helpers import post
from tests.comments.inprocess import CommentsApi, comments_api, comments_service
from tests.databases import as_json

ADDRESSES = (f"198.51.100.{n}" for n in itertools.count(1))  # each reader's own
SETTINGS: dict[str, Any] = {"hold_after_flags": 3, "flag_rate_per_ip": 4,
                            "flag_rate_per_commenter": 3, "rate_per_ip": 1000}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommentsApi]:
    # A Redis of this module's own: its rate limits start from nothing.
    server = EmbeddedRedis(tmp_path_factory.mktemp("flags-redis")).start()
    try:
        with comments_api(tmp_path_factory.mktemp("flags-api"), server.url, **SETTINGS) as api:
            yield api
    finally:
        server.stop()


def reader(api: CommentsApi) -> httpx.Client:
    return api.client(next(ADDRESSES))


def commented(api: CommentsApi, body: str = "Reported text.") -> tuple[int, int, str]:
    """A new article with one comment: the article's id, the comment's, its author's token."""
    article = api.open_article()
    posted = post(reader(api), article, body)
    return article, posted["comment"]["id"], posted["commenter_token"]


def listed(api: CommentsApi, article: int) -> list[dict[str, Any]]:
    answer = api.moderator().get("/moderation/flagged", params={"article_id": article})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def removed_events(api: CommentsApi, comment_id: int) -> int:
    with api.service.runtime.engine.connect() as connection:
        rows = connection.execute(text("SELECT envelope FROM outbox WHERE type = "
                                       "'comment.removed'")).scalars()
        return sum(as_json(e)["data"]["comment_id"] == comment_id for e in rows)


def test_one_report_per_reader_reaches_the_editors_with_its_reason(api: CommentsApi) -> None:
    article, comment_id, _ = commented(api)
    first, second = reader(api), reader(api)
    url = f"/comments/{comment_id}/flags"
    reason = "<script>alert(1)</script> spam &amp; abuse"
    made = first.post(url, json={"reason": f"  {reason}\r\n"})
    assert (made.status_code, made.json()) == (201, {"comment_id": comment_id, "counted": True})
    again = first.post(url, json={"reason": "once more"})
    assert (again.status_code, again.json()["counted"]) == (200, False)
    assert second.post(url).status_code == 201  # no body: no reason
    [entry] = listed(api, article)
    assert entry["comment"]["id"] == comment_id and entry["comment"]["status"] == "visible"
    assert entry["flags"] == 2
    assert [r["reason"] for r in entry["reasons"]] == [reason]  # as typed, trimmed
    assert listed(api, article + 1000) == []
    assert comment_id in [e["comment"]["id"] for e in api.moderator().get(
        "/moderation/flagged").json()["data"]]
    assert first.get("/moderation/flagged").status_code == 401
    # Still in the thread: two reports are fewer than three.
    assert first.get(f"/comments/{comment_id}").status_code == 200


def test_distinct_readers_hold_a_comment_until_an_editor_decides(api: CommentsApi) -> None:
    article, comment_id, _ = commented(api)
    url = f"/comments/{comment_id}/flags"
    # Three commenters at one address count as one reader toward the hold.
    crowd = reader(api)
    for _ in range(3):
        token = post(crowd, article, "Me too.")["commenter_token"]
        assert crowd.post(url, headers={"X-Commenter-Token": token}).status_code == 201
    assert listed(api, article)[0]["flags"] == 3
    assert crowd.get(f"/comments/{comment_id}").status_code == 200
    assert removed_events(api, comment_id) == 0
    for _ in range(2):
        assert reader(api).post(url).status_code == 201
    # The third address holds it: out of the thread and its count, `comment.removed` emitted.
    assert crowd.get(f"/comments/{comment_id}").status_code == 404
    thread = crowd.get(f"/articles/{article}/comments").json()
    assert thread["count"] == 3 and comment_id not in [c["id"] for c in thread["comments"]]
    assert removed_events(api, comment_id) == 1
    [entry] = listed(api, article)
    assert (entry["comment"]["status"], entry["flags"]) == ("hidden", 5)
    assert reader(api).post(url).status_code == 404  # held: no more reports
    # The editor restores it: its reports are closed; its readers' reports stay counted once.
    editor = api.moderator()
    assert editor.post(f"/comments/{comment_id}/restore").json()["status"] == "visible"
    assert listed(api, article) == []
    assert crowd.post(url, headers={"X-Commenter-Token": token}).json()["counted"] is False
    assert crowd.get(f"/comments/{comment_id}").status_code == 200


def test_dismissing_leaves_the_comment_as_it_is(api: CommentsApi) -> None:
    article, comment_id, _ = commented(api)
    editor, url = api.moderator(), f"/comments/{comment_id}/flags"
    assert reader(api).post(url, json={"reason": "rude"}).status_code == 201
    assert reader(api).post(f"/comments/{comment_id}/dismiss-flags").status_code == 401
    assert editor.post(f"/comments/{comment_id}/dismiss-flags").json()["status"] == "visible"
    assert listed(api, article) == []
    # Reports after that are new ones; hiding it closes them as well.
    assert reader(api).post(url).status_code == 201
    assert editor.post(f"/comments/{comment_id}/hide").json()["status"] == "hidden"
    assert listed(api, article) == []
    assert editor.delete(f"/comments/{comment_id}").status_code == 204
    assert editor.post(f"/comments/{comment_id}/dismiss-flags").status_code == 404
    assert editor.post("/comments/2147483647/dismiss-flags").status_code == 404


def test_reports_are_rate_limited_per_address_and_per_commenter(api: CommentsApi) -> None:
    article = api.open_article()
    author = reader(api)
    ids = [post(author, article, f"Comment {n}")["comment"]["id"] for n in range(6)]
    one = reader(api)
    statuses = [one.post(f"/comments/{i}/flags").status_code for i in ids[:5]]
    assert statuses == [201] * 4 + [429]
    refused = one.post(f"/comments/{ids[5]}/flags")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert refused.json()["detail"].startswith("too many reports from your address")
    # A commenter is counted whatever address they come from.
    token = post(reader(api), article, "I report a lot.")["commenter_token"]
    mine = {"X-Commenter-Token": token}
    statuses = [reader(api).post(f"/comments/{i}/flags", headers=mine).status_code
                for i in ids[:4]]
    assert statuses == [201] * 3 + [429]
    assert "too many reports from you" in reader(api).post(
        f"/comments/{ids[4]}/flags", headers=mine).json()["detail"]


def test_unknown_own_and_bad_reports_get_a_clear_4xx(api: CommentsApi) -> None:
    article, comment_id, author_token = commented(api)
    url = f"/comments/{comment_id}/flags"
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("/comments/2147483647/flags", {}, 404, "no comment"),
        ("/comments/0/flags", {}, 422, "comment_id"),
        ("/comments/x/flags", {}, 422, "comment_id"),
        (url, {"json": {"reason": "x" * 501}}, 422, "reason"),
        (url, {"json": {"reason": "a\u0000b"}}, 422, "reason"),
        (url, {"json": {"reason": 5}}, 422, "reason"),
        (url, {"content": b"{", "headers": {"Content-Type": "application/json"}}, 422, ""),
        (url, {"headers": {"X-Commenter-Token": "forged"}}, 401, "token"),
        (url, {"headers": {"X-Commenter-Token": author_token}}, 409, "your own comment"),
        (url, {"content": b"x" * 1_100_000}, 413, ""),
    ]
    for path, request, status, words in cases:
        answer = reader(api).post(path, **request)
        assert answer.status_code == status, (path, request.keys(), answer.text[:200])
        assert words in answer.json()["detail"], answer.text[:200]
    assert listed(api, article) == []
    troll = post(reader(api), article, "Trolling.")
    assert api.moderator().post(f"/nics/{troll['comment']['nic']}/ban").status_code == 204
    banned = reader(api).post(url, headers={"X-Commenter-Token": troll["commenter_token"]})
    assert banned.status_code == 403 and "banned" in banned.json()["detail"]
    assert api.moderator().post(f"/comments/{comment_id}/hide").status_code == 200
    assert reader(api).post(url).status_code == 404  # hidden: not shown, not reported
    assert api.moderator().get("/moderation/flagged",
                               params={"article_id": "x"}).status_code == 422


def test_the_hold_is_a_setting_and_zero_never_holds(tmp_path: Path) -> None:
    """The use case directly: the outbox rows it wrote are what it emitted."""
    with comments_service(tmp_path) as service:
        for hold_after in (0, 2):
            settings = CommentsSettings(hold_after_flags=hold_after)
            with service.session() as session:
                comment = Comment(article_id=1, commenter_id=_commenter(session), nic="N",
                                  body="x", body_html="<p>x</p>")
                session.add(comment)
                session.commit()
                assert comment.id is not None

                def report(n: int, comment_id: int = comment.id,
                           settings: CommentsSettings = settings) -> None:
                    flagging.flag(session=session, outbox=service.outbox, settings=settings,
                                  comment_id=comment_id, data=FlagCreate(), token=None,
                                  client=f"203.0.113.{n}")

                for n in range(2):
                    report(n)
                session.refresh(comment)
                assert comment.status == ("hidden" if hold_after else "visible"), hold_after
                if hold_after:
                    with pytest.raises(NotFound):  # held: reported no more
                        report(3)
                    assert flagging.open_readers(session, comment.id) == 2
                else:
                    report(3)
                    assert flagging.open_readers(session, comment.id) == 3


def _commenter(session: Session) -> int:
    found = session.exec(select(Commenter)).first()
    if found is None:
        found = Commenter(token_hash="t" * 64, original_nic="N")
        session.add(found)
        session.commit()
    assert found.id is not None
    return found.id
