"""Reporting a comment through the site, over HTTP: the Report button (the same on every
reader's page, nothing personal in it) leads to a page that asks to confirm; only that page's
form, with this browser's CSRF token, files the report; the editor's pages list it with its
count and reasons, escaped, and its buttons dismiss or hide. A forged or cross-site
confirmation changes nothing (in Chromium: test_report_browser.py)."""

import re
from typing import Any

import httpx

from tests.comments.helpers import moderator, post
from tests.conftest import Stack
from tests.web.helpers import csrf_of, opened, signed_in, site

SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


def reports_of(stack: Stack, article_id: int) -> list[dict[str, Any]]:
    answer = moderator(stack).get("/moderation/flagged", params={"article_id": article_id})
    return list(answer.json()["data"])


def asked(reader: httpx.Client, comment_id: int) -> httpx.Response:
    """The Report button pressed on a page without scripts: the confirmation page."""
    page = reader.post(f"/comments/{comment_id}/report", data={"csrf": ""}, headers=SAME_ORIGIN)
    assert page.status_code == 200, page.text[:300]
    assert page.headers["cache-control"] == "private, no-store"
    return page


def test_a_reader_reports_a_comment_and_the_editor_sees_it(stack: Stack) -> None:
    _, article = opened(stack)
    comment = post(stack.client("comments"), article["id"], "Rude words.")["comment"]
    reader = site(stack)
    shown = reader.get(f"/articles/{article['slug']}")
    form = re.search(rf'<form method="post" action="/comments/{comment["id"]}/report" '
                     r'class="report">(.*?)</form>', shown.text)
    assert form and 'name="csrf" value=""' in form.group(1)  # nothing personal in the page
    page = asked(reader, comment["id"])
    assert "Report this comment to the editors?" in page.text and "Rude words." in page.text
    assert reports_of(stack, article["id"]) == []  # asking files nothing
    reason = "<b>insults</b> & worse"
    done = reader.post(f"/comments/{comment['id']}/report",
                       data={"csrf": csrf_of(page), "confirm": "yes", "reason": reason})
    assert done.status_code == 200 and "Your report has reached the editors" in done.text
    [entry] = reports_of(stack, article["id"])
    assert entry["flags"] == 1 and [r["reason"] for r in entry["reasons"]] == [reason]
    again = reader.post(f"/comments/{comment['id']}/report",
                        data={"csrf": csrf_of(asked(reader, comment["id"])), "confirm": "yes"})
    assert again.status_code == 200 and "You had reported this comment already" in again.text

    desk = signed_in(stack)
    editor_page = desk.get(f"/editor/articles/{article['id']}")
    assert "Reported by readers (1)" in editor_page.text and "1 report<" in editor_page.text
    assert "&lt;b&gt;insults&lt;/b&gt; &amp; worse" in editor_page.text
    assert "<b>insults</b>" not in editor_page.text
    assert f"flagged-{comment['id']}" in desk.get("/editor").text  # the desk lists all
    back = f"/editor/articles/{article['id']}"
    dismissed = desk.post(f"/editor/comments/{comment['id']}/dismiss-flags",
                          data={"csrf": csrf_of(editor_page), "back": back,
                                "slug": article["slug"]})
    assert (dismissed.status_code, dismissed.headers["location"]) == (303, back)
    assert reports_of(stack, article["id"]) == []
    assert "Rude words." in reader.get(f"/articles/{article['slug']}").text


def test_the_editor_hides_a_reported_comment_from_the_list(stack: Stack) -> None:
    _, article = opened(stack)
    comment = post(stack.client("comments"), article["id"], "Spam, spam.")["comment"]
    reader = site(stack)
    page = asked(reader, comment["id"])
    reader.post(f"/comments/{comment['id']}/report",
                data={"csrf": csrf_of(page), "confirm": "yes"}).raise_for_status()
    desk = signed_in(stack)
    back = f"/editor/articles/{article['id']}"
    editor_page = desk.get(back)
    assert f'action="/editor/comments/{comment["id"]}/hide"' in editor_page.text
    hidden = desk.post(f"/editor/comments/{comment['id']}/hide",
                       data={"csrf": csrf_of(editor_page), "back": back, "slug": article["slug"]})
    assert hidden.status_code == 303
    assert "Spam, spam." not in reader.get(f"/articles/{article['slug']}").text
    assert "Reported by readers" not in desk.get(back).text


def test_forged_and_cross_site_reports_change_nothing(stack: Stack) -> None:
    _, article = opened(stack)
    comment = post(stack.client("comments"), article["id"], "Leave me be.")["comment"]
    url = f"/comments/{comment['id']}/report"
    victim = site(stack)
    token = csrf_of(asked(victim, comment["id"]))
    confirm = {"confirm": "yes", "reason": "forged"}
    attempts: list[tuple[httpx.Client, dict[str, str], dict[str, str]]] = [
        (site(stack), confirm, SAME_ORIGIN),  # no cookie, no token: said to be ours
        (site(stack), confirm | {"csrf": token}, {}),  # another browser's token
        (victim, confirm, SAME_ORIGIN),  # the confirmation needs the page's token
        (victim, confirm | {"csrf": "x"}, {}),
        (victim, confirm | {"csrf": token}, {"Sec-Fetch-Site": "cross-site"}),
        (victim, confirm | {"csrf": token}, {"Sec-Fetch-Site": "same-site"}),
        (victim, {"csrf": ""}, {"Sec-Fetch-Site": "cross-site"}),  # even just asking
    ]
    for client, fields, headers in attempts:
        refused = client.post(url, data=fields, headers=headers)
        assert refused.status_code == 403 and "This form has expired" in refused.text, fields
    assert reports_of(stack, article["id"]) == []
    done = victim.post(url, data=confirm | {"csrf": token})
    assert done.status_code == 200 and len(reports_of(stack, article["id"])) == 1


def test_unknown_comments_and_long_reasons_get_a_page_that_says_so(stack: Stack) -> None:
    _, article = opened(stack)
    comment = post(stack.client("comments"), article["id"], "Fine.")["comment"]
    reader = site(stack)
    for path in ("/comments/2147483647/report", "/comments/0/report", "/comments/x/report",
                 "/comments/99999999999/report"):
        missing = reader.post(path, data={"csrf": ""}, headers=SAME_ORIGIN)
        assert missing.status_code == 404 and "This comment is not on the site" in missing.text
    page = asked(reader, comment["id"])
    long = reader.post(f"/comments/{comment['id']}/report",
                       data={"csrf": csrf_of(page), "confirm": "yes", "reason": "x" * 501})
    assert long.status_code == 422 and "at most 500 characters" in long.text
    assert 'aria-invalid="true"' in long.text and "x" * 501 in long.text  # kept, to shorten
    assert reports_of(stack, article["id"]) == []
