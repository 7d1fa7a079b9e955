"""Reporting a comment in Chromium: a reader presses Report under a comment, confirms with a
reason, and the editor's page for the article shows the report, its count and its reason,
with the buttons that dismiss it. Another site's page cannot file a report in the reader's
name (its form, posted from the reader's browser, is refused). Screenshots are saved with
the others under test-artifacts/screenshots/."""

import html
import re

from playwright.sync_api import Browser

from tests.comments.helpers import moderator, post
from tests.conftest import Stack
from tests.web.helpers import Attacker, opened, shot


def reports_on(stack: Stack, article_id: int) -> list[dict]:  # type: ignore[type-arg]
    answer = moderator(stack).get("/moderation/flagged", params={"article_id": article_id})
    return list(answer.json()["data"])


def test_a_reader_reports_a_comment_and_the_editor_sees_it(
        stack: Stack, browser: Browser) -> None:
    site = stack.urls["site"]
    _, article = opened(stack)
    comment_id = post(stack.client("comments"), article["id"], "You are all fools.")[
        "comment"]["id"]
    reader = browser.new_context().new_page()
    reader.goto(f"{site}/articles/{article['slug']}")
    reader.click(f"#comment-{comment_id} form.report button")
    reader.wait_for_url(f"**/comments/{comment_id}/report")
    assert "You are all fools." in reader.inner_text(".reported-comment")
    reader.fill("#reason", "Insults <everyone> here")
    shot(reader, "report-confirm")
    reader.click("#report-form button[type=submit]")
    reader.wait_for_selector("p.reported")
    assert "Your report has reached the editors" in reader.inner_text("p.reported")
    shot(reader, "report-done")

    editor = browser.new_context()
    editor.add_cookies([{"name": "burg_editor", "value": stack.editor_token, "url": site}])
    desk = editor.new_page()
    desk.goto(f"{site}/editor/articles/{article['id']}")
    flagged = desk.locator(f"#flagged-{comment_id}")
    assert "1 report" in flagged.inner_text()
    assert "Insults <everyone> here" in flagged.inner_text()  # shown as text, not markup
    assert "You are all fools." in flagged.inner_text()
    shot(desk, "editor-reported")
    flagged.locator("button:text('Dismiss reports')").click()
    desk.wait_for_url(re.compile(rf".*/editor/articles/{article['id']}#flagged$"))
    assert desk.locator(f"#flagged-{comment_id}").count() == 0
    assert reports_on(stack, article["id"]) == []


def test_another_sites_form_cannot_report_in_the_readers_name(
        stack: Stack, browser: Browser, attacker: Attacker) -> None:
    site = stack.urls["site"]
    _, article = opened(stack)
    comment_id = post(stack.client("comments"), article["id"], "Innocent.")["comment"]["id"]
    reader = browser.new_context().new_page()
    reader.goto(f"{site}/articles/{article['slug']}")  # the reader has been to our site
    action = f"{site}/comments/{comment_id}/report"
    for host in ("localhost", "127.0.0.1"):  # another site, and another origin of ours
        attacker.page = (
            f'<!doctype html><form method="post" action="{html.escape(action)}">'
            '<input type="hidden" name="confirm" value="yes">'
            '<input type="hidden" name="csrf" value="">'
            '<input type="hidden" name="reason" value="forged"></form>'
            "<script>document.forms[0].submit()</script>")
        with reader.expect_response(lambda r: r.request.method == "POST") as posted:
            reader.goto(f"http://{host}:{attacker.port}/")
        assert posted.value.url == action and posted.value.status == 403, host
        reader.wait_for_url(action)
        assert "This form has expired" in reader.content()
    shot(reader, "report-cross-origin-refused")
    assert reports_on(stack, article["id"]) == []
