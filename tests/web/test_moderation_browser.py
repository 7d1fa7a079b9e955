"""The editors' one moderation queue in Chromium, on a Burg of its own with pre-moderation on
(first comments wait): an editor signs in, sees the waiting, reported and hidden comments of
two articles on one page with their articles, approves one, hides two at once, bans a nic,
finds it in the banned list, unbans it, and reads it all in the audit. Screenshots go with
the others under test-artifacts/screenshots/."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page

from tests.comments.helpers import moderator, post
from tests.conftest import STACK_ENV, Stack, running_stack
from tests.web.helpers import opened, shot

ENV = STACK_ENV | {"BURG_COMMENTS_PREMODERATION": "true"}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # A Redis of its own: sharing the session stack's would mix the two sites' queues.
    with running_stack(tmp_path_factory.mktemp("moderated"), None, ENV) as running:
        yield running


def known_commenter(site: Stack, article: int, editor: httpx.Client) -> dict[str, Any]:
    """A commenter whose first comment an editor approved: their next ones are public."""
    first = post(site.client("comments"), article, "Hello, I am new.")
    editor.post(f"/comments/{first['comment']['id']}/approve").raise_for_status()
    return first


def public(site: Stack, article: int, known: dict[str, Any], body: str) -> int:
    posted = post(site.client("comments"), article, body, token=known["commenter_token"],
                  nic=known["comment"]["nic"])
    assert posted["comment"]["status"] == "visible"
    return int(posted["comment"]["id"])


def signed_in(browser: Browser, site: Stack) -> Page:
    desk = browser.new_context().new_page()
    desk.goto(f"{site.urls['site']}/editor")
    desk.fill("#token", site.editor_token)
    desk.click("button:text('Sign in')")
    desk.wait_for_selector("#to-moderation")
    desk.click("#to-moderation")
    desk.wait_for_selector("form#queue")
    return desk


def test_one_queue_for_every_article(site: Stack, browser: Browser) -> None:
    editor = moderator(site)
    (_, first), (_, second) = opened(site), opened(site)
    known = known_commenter(site, first["id"], editor)
    waiting = [post(site.client("comments"), a["id"], f"Waiting on {a['title']}")
               for a in (first, second)]
    reported = [public(site, a["id"], known, f"Rude on {a['title']}") for a in (first, second)]
    for comment_id in reported:
        site.client("comments").post(f"/comments/{comment_id}/flags",
                                     json={"reason": "Rude <b>words</b>"}).raise_for_status()
    hidden = public(site, second["id"], known, "Spam on the second")
    editor.post(f"/comments/{hidden}/hide").raise_for_status()

    desk = signed_in(browser, site)
    shot(desk, "moderation-queue")
    for article, comment in ((first, waiting[0]), (second, waiting[1])):
        item = desk.locator(f"#queued-{comment['comment']['id']}")
        assert "waiting" in item.inner_text() and article["title"] in item.inner_text()
    for article, comment_id in zip((first, second), reported, strict=True):
        item = desk.locator(f"#queued-{comment_id}")
        assert "reported" in item.inner_text() and "1 report" in item.inner_text()
        assert "Rude <b>words</b>" in item.inner_text() and article["title"] in item.inner_text()
    assert "hidden" in desk.locator(f"#queued-{hidden}").inner_text()

    approved = waiting[0]["comment"]["id"]
    desk.locator(f"#queued-{approved} button:text('Approve')").click()
    desk.wait_for_selector(f"#queued-{approved}", state="detached")
    assert editor.get(f"/comments/{approved}").json()["status"] == "visible"

    for comment_id in reported:
        desk.check(f"#tick-{comment_id}")
    desk.select_option("#bulk-action", "hide")
    desk.click("#bulk-go")
    desk.wait_for_url("**/editor/moderation")
    for comment_id in reported:
        assert "hidden" in desk.locator(f"#queued-{comment_id}").inner_text()
    hidden_now = editor.get("/moderation/hidden").json()["data"]
    assert set(reported) <= {c["id"] for c in hidden_now}
    shot(desk, "moderation-bulk-hidden")

    troll = waiting[1]["comment"]["nic"]
    desk.locator(f"#queued-{waiting[1]['comment']['id']} button.ban").click()
    desk.wait_for_url("**/editor/moderation")
    desk.click("a:text('Banned nics')")
    desk.wait_for_selector("ul.banned")
    assert troll in desk.inner_text("ul.banned")
    shot(desk, "moderation-banned")
    desk.locator(f"ul.banned button:text('Unban {troll}')").click()
    desk.wait_for_url("**/editor/moderation/banned")
    assert troll not in desk.inner_text("main")
    assert all(troll not in b["nics"] for b in editor.get("/moderation/banned").json()["data"])

    desk.click("a:text('Audit')")
    desk.wait_for_selector("table.audit")
    rows = [desk.locator("table.audit tbody tr").nth(n).inner_text().split("\t")
            for n in range(5)]
    assert [(r[1], r[2]) for r in rows] == [("Tester", "unban"), ("Tester", "ban"),
                                           ("Tester", "hide"), ("Tester", "hide"),
                                           ("Tester", "approve")]
    assert troll in rows[0][4] and str(approved) == rows[4][3].strip()
    shot(desk, "moderation-audit")
