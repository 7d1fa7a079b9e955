"""A site with pre-moderation on (and a zero-minute edit window, and five comments a minute
per address). What the comments API decides alone is checked on its app in this process,
built by `create_app(bootstrap(premoderation=True, …))`; what takes the whole site (the
e-mail a held reply sends once approved, the web's permalink) on a Burg of its own, started
for this module."""

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from shared.embedded_redis import EmbeddedRedis
from tests.comments.helpers import moderator, nic, open_article, post
from tests.comments.inprocess import CommentsApi, comments_api
from tests.conftest import Stack, running_stack, wait_for
from tests.notify.helpers import handled_by_notify

HOSTS = itertools.count(1)  # a fresh address per reader: each has its own rate budget
ENV = {"BURG_COMMENTS_PREMODERATION": "true", "BURG_COMMENTS_EDIT_WINDOW_MINUTES": "0",
       "BURG_COMMENTS_RATE_PER_IP": "5", "BURG_COMMENTS_RATE_PER_COMMENTER": "100",
       # This site's tests play the gateway: their X-Forwarded-For gives each reader an
       # address of their own.
       "BURG_TRUSTED_PROXIES": "127.0.0.1"}
# The same, for the comments service in process (each reader is a peer of its own there).
SETTINGS: dict[str, Any] = {"premoderation": True, "edit_window_minutes": 0, "rate_per_ip": 5,
                            "rate_per_commenter": 100}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # A Redis of its own: sharing the session stack's would mix the two sites' queues.
    with running_stack(tmp_path_factory.mktemp("premoderated"), None, ENV) as running:
        yield running


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Redis of this module's own (rate limits and page versions start from nothing)."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("premoderated-redis")).start()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, broker: str) -> Iterator[CommentsApi]:
    with comments_api(tmp_path_factory.mktemp("premoderated-api"), broker, **SETTINGS) as api:
        yield api


def newcomer(api: CommentsApi) -> httpx.Client:
    """A client from an address of its own, so each test has its own per-address budget."""
    return api.client(f"198.51.100.{next(HOSTS)}")


def reader(site: Stack) -> httpx.Client:
    """A client from an address of its own (the gateway's X-Forwarded-For, trusted from
    127.0.0.1 on this site), so each test has its own per-address budget."""
    address = f"198.51.100.{next(HOSTS)}"
    return site.client("comments", headers={"X-Forwarded-For": address})


def test_a_first_comment_waits_and_only_its_author_sees_it(api: CommentsApi) -> None:
    article, comments = api.open_article(), newcomer(api)
    posted = post(comments, article, "Hello, first time here")
    token, comment_id = posted["commenter_token"], posted["comment"]["id"]
    assert posted["comment"]["status"] == "pending"
    mine = {"X-Commenter-Token": token}
    thread = f"/articles/{article}/comments"
    assert comments.get(thread).json()["comments"] == []
    assert [c["id"] for c in comments.get(thread, headers=mine).json()["comments"]] == [comment_id]
    assert comments.get(f"/comments/{comment_id}").status_code == 404
    assert comments.get(f"/comments/{comment_id}", headers=mine).status_code == 200
    waiting = api.moderator().get("/moderation/waiting").json()["data"]
    assert comment_id in [c["id"] for c in waiting]
    assert api.moderator().post(f"/comments/{comment_id}/approve").json()["status"] == "visible"
    assert comments.get(thread).json()["count"] == 1
    later = post(comments, article, "Now I am known", token=token, nic=posted["comment"]["nic"])
    assert later["comment"]["status"] == "visible"


def test_a_reply_mails_its_parent_only_once_approved(site: Stack) -> None:
    article, comments = open_article(site), reader(site)
    address = f"held-{uuid.uuid4().hex[:8]}@example.org"
    first = post(comments, article, "Mail me", email=address, notify_replies=True)
    site.confirm(address)
    moderator(site).post(f"/comments/{first['comment']['id']}/approve").raise_for_status()
    reply = post(comments, article, "A held reply", parent_id=first["comment"]["id"])
    assert reply["comment"]["status"] == "pending"
    # Nothing may go out while the reply waits; approving it sends the one e-mail.
    other = post(comments, article, "A reply from a known commenter", nic=first["comment"]["nic"],
                 token=first["commenter_token"], parent_id=first["comment"]["id"])
    assert other["comment"]["status"] == "visible"  # own reply: no e-mail either
    wait_for(lambda: handled_by_notify(site, other["comment"]["id"]), what="notify")
    assert site.replies_to(address) == []
    moderator(site).post(f"/comments/{reply['comment']['id']}/approve").raise_for_status()
    [mail] = wait_for(lambda: site.replies_to(address),
                      what="the reply e-mail after approval")
    assert f"/comments/{reply['comment']['id']}" in mail.get_body(("plain",)).get_content()


def test_turning_it_on_holds_newcomers_not_regulars(tmp_path: Path, broker: str) -> None:
    """A site that ran without pre-moderation, restarted with it on: a commenter with a
    public comment from before posts at once; a newcomer, and a commenter whose only comment
    an editor hid, wait."""
    with comments_api(tmp_path, broker, **SETTINGS | {"premoderation": False}) as before:
        article, comments = before.open_article(), newcomer(before)
        regular = post(comments, article, "I was here before")
        hidden = post(comments, article, "Spam, spam")
        assert regular["comment"]["status"] == hidden["comment"]["status"] == "visible"
        before.moderator().post(f"/comments/{hidden['comment']['id']}/hide").raise_for_status()
    with comments_api(tmp_path, broker, **SETTINGS) as after:
        comments = newcomer(after)

        def again(earlier: dict[str, Any]) -> str:
            status: str = post(comments, article, "Back again", token=earlier["commenter_token"],
                               nic=earlier["comment"]["nic"])["comment"]["status"]
            return status

        assert again(regular) == "visible"
        assert again(hidden) == "pending"
        assert post(comments, article, "New here")["comment"]["status"] == "pending"
        assert again(regular) == "visible"  # and so on: the commenter is approved now
        with after.service.runtime.sessions() as session:
            approved = session.execute(text(
                "SELECT approved FROM commenter WHERE original_nic = :nic"),
                {"nic": regular["comment"]["nic"]}).all()
        assert [tuple(row) for row in approved] == [(True,)]


def test_the_edit_window_closes(api: CommentsApi) -> None:
    article, comments = api.open_article(), newcomer(api)
    posted = post(comments, article, "Typo")
    refused = comments.patch(f"/comments/{posted['comment']['id']}", json={"body": "Fixed"},
                             headers={"X-Commenter-Token": posted["commenter_token"]})
    assert refused.status_code == 403 and "0 minutes" in refused.json()["detail"]


def test_an_address_over_its_rate_limit_gets_429(api: CommentsApi) -> None:
    article, comments = api.open_article(), newcomer(api)
    statuses = [comments.post(f"/articles/{article}/comments",
                              json={"nic": nic(), "body": "x"}).status_code for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    other_address = newcomer(api).post(f"/articles/{article}/comments",
                                      json={"nic": nic(), "body": "x"})
    assert other_address.status_code == 201


def test_a_waiting_comment_s_permalink_opens_it_for_its_author_alone(site: Stack) -> None:
    article = open_article(site)
    address = {"X-Forwarded-For": f"198.51.100.{next(HOSTS)}"}
    author = site.client("site", headers=address, follow_redirects=True)
    slug = site.editor().get(f"/articles/by-id/{article}").json()["slug"]
    token = author.get(f"/articles/{slug}/reader").json()["csrf"]  # as reader.js gets it
    sent = site.client("site", headers=address, cookies=author.cookies).post(
        f"/articles/{slug}/comments", data={"csrf": token, "nic": nic(),
                                            "body": "Held back for now"})
    assert sent.status_code == 303, sent.text
    author.cookies.update(sent.cookies)
    comment_id = int(sent.headers["location"].rsplit("/", 1)[1])
    landed = author.get(sent.headers["location"])  # the author sees it, waiting
    assert f'id="comment-{comment_id}"' in landed.text and "waiting for approval" in landed.text
    place = f"/comments/{comment_id}/place"
    assert site.client("comments").get(place).status_code == 404
    stranger = site.client("site", follow_redirects=True).get(f"/comments/{comment_id}")
    assert stranger.status_code == 404 and "not on the site" in stranger.text
    assert "Held back" not in stranger.text
