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
from tests.web.helpers import csrf_of, opened, shot
from tests.web.helpers import signed_in as web_signed_in
from tests.web.helpers import site as web_site

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


def test_bad_moderation_forms_get_pages_that_say_why(site: Stack) -> None:
    """Without a browser: no sign-in, no CSRF token, hand-made ids, actions and addresses,
    and comments the API refuses each get a 3xx or 4xx page naming the problem, never a 500."""
    anonymous = web_site(site)
    assert anonymous.get("/editor/moderation").headers["location"] == "/editor"
    desk = web_signed_in(site)
    _, article = opened(site)
    comment_id = post(site.client("comments"), article["id"], "Waits")["comment"]["id"]
    queue = desk.get("/editor/moderation")
    assert queue.status_code == 200 and f'id="queued-{comment_id}"' in queue.text
    token = csrf_of(queue)
    assert desk.post("/editor/moderation/bulk", data={"action": "hide", "id": str(comment_id)}
                     ).status_code == 403
    for fields, status, words in (
            ({"action": "hide", "id": "abc"}, 400, "is not a comment number"),
            ({"action": "hide"}, 400, "Tick at least one comment"),
            ({"action": "explode", "id": str(comment_id)}, 400, "Choose an action"),
            ({"action": "hide", "id": "999999"}, 404, "Comment 999999: there is no such"),
            ({"action": "reject", "id": ["999998", str(comment_id)]}, 404, "1 done")):
        answer = desk.post("/editor/moderation/bulk", data={"csrf": token} | fields)
        assert answer.status_code == status and words in answer.text, (fields, answer.text)
    refused = desk.post(f"/editor/moderation/comments/{comment_id}/approve",
                        data={"csrf": token})
    assert refused.status_code == 404  # rejected just before: gone for good
    for wrong in ("abc", "0", "99999999999999999999"):
        assert desk.post(f"/editor/moderation/comments/{wrong}/approve",
                         data={"csrf": token}).status_code == 400, wrong
    assert desk.post(f"/editor/moderation/comments/{comment_id}/explode",
                     data={"csrf": token}).status_code == 404
    assert desk.post("/editor/moderation/nics/ban", data={"csrf": token}).status_code == 400
    assert desk.post("/editor/moderation/nics/ban", data={"csrf": token, "nic": "Nobody here"}
                     ).status_code == 404
    assert desk.get("/editor/moderation", params={"show": "bogus"}).status_code == 400
    assert desk.get("/editor/moderation/audit", params={"before": "abc"}).status_code == 400
    visible = public(site, article["id"], known_commenter(site, article["id"], moderator(site)),
                     "Shown")
    away = desk.post(f"/editor/moderation/comments/{visible}/hide",
                     data={"csrf": token, "back": "https://elsewhere.example/"})
    assert away.status_code == 303 and away.headers["location"] == "/editor/moderation"
    twice = desk.post(f"/editor/moderation/comments/{visible}/hide", data={"csrf": token})
    assert twice.status_code == 303  # hiding a hidden comment changes nothing
    again = desk.post(f"/editor/moderation/comments/{visible}/approve", data={"csrf": token})
    assert again.status_code == 409 and "only a waiting comment" in again.text
