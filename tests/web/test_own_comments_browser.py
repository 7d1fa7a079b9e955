"""A commenter's own controls in Chromium: beside their comment, while its edit window lasts,
Edit and Delete with the time left; the edit shows on the page with "edited", deleting asks
to confirm; another reader sees no controls, another site's form changes nothing, and once
the window is over the controls are gone and a change is refused with a page that says why.
On a closed thread the commenter's count stands above the closed notice."""

import html
import re
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser, Page

from tests.conftest import Stack, wait_for
from tests.web.helpers import Attacker, opened, shot

TIME_LEFT = re.compile(r"editable for \d+ more minutes?")


def commented(stack: Stack, page: Page, slug: str, body: str) -> int:
    """Post `body` on the article through its form, as the page's reader: the comment's id."""
    page.goto(f"{stack.urls['site']}/articles/{slug}")
    page.fill("#nic", f"Author {uuid.uuid4().hex[:6]}")
    page.fill("#body", body)
    page.click("#comment-form button[type=submit]")
    page.wait_for_url(re.compile(r".*#comment-\d+$"))
    return int(page.url.rsplit("-", 1)[1])


def ready(page: Page) -> None:
    page.wait_for_selector("html[data-reader=ready]", state="attached")  # reader.js ran


def backdated(stack: Stack, comment_id: int) -> None:
    """Move the comment's posting time back past the edit window (15 minutes)."""
    then = datetime.now(UTC) - timedelta(minutes=20)
    stamp = (then.replace(tzinfo=None).isoformat(sep=" ")
             if stack.databases["comments"].startswith("sqlite") else then)
    stack.sql("comments", "UPDATE comment SET created_at = :then WHERE id = :id",
              then=stamp, id=comment_id)


def test_a_commenter_edits_and_deletes_their_own_comment(
        stack: Stack, browser: Browser) -> None:
    site = stack.urls["site"]
    _, article = opened(stack)
    author = browser.new_context().new_page()
    comment_id = commented(stack, author, article["slug"], "Frist post")
    mine = f"#comment-{comment_id}"
    author.wait_for_selector(f"{mine} .own-controls")
    assert TIME_LEFT.search(author.inner_text(f"{mine} .time-left")), author.inner_text(mine)
    shot(author, "own-controls")

    other = browser.new_context().new_page()  # another reader: the same page, no controls
    other.goto(f"{site}/articles/{article['slug']}")
    ready(other)
    assert other.locator(".own-controls").count() == 0
    assert other.locator(f"{mine} a[href$='/edit']").count() == 0

    author.click(f"{mine} a.edit-own")
    author.wait_for_url(f"**/comments/{comment_id}/edit")
    assert author.input_value("#body") == "Frist post"
    assert TIME_LEFT.search(author.inner_text("p.time-left"))
    author.fill("#body", "[b]First[/b] post")
    shot(author, "own-edit")
    author.click("#edit-form button[type=submit]")
    author.wait_for_url(re.compile(rf".*#comment-{comment_id}$"))
    assert "<strong>First</strong> post" in author.inner_html(f"{mine} .text")
    assert author.inner_text(f"{mine} .edited").startswith("edited ")
    other.reload()
    assert "<strong>First</strong> post" in other.inner_html(f"{mine} .text")

    author.wait_for_selector(f"{mine} .own-controls")
    author.click(f"{mine} a.delete-own")
    author.wait_for_url(f"**/comments/{comment_id}/delete")
    assert "First post" in author.inner_text(".own-comment .text")
    shot(author, "own-delete-confirm")
    author.click("#delete-form button[type=submit]")
    author.wait_for_url(re.compile(rf".*/articles/{article['slug']}#comments$"))
    assert author.locator(mine).count() == 0
    assert stack.client("comments").get(f"/comments/{comment_id}").status_code == 404


def test_another_sites_form_cannot_change_a_commenters_comment(
        stack: Stack, browser: Browser, attacker: Attacker) -> None:
    site = stack.urls["site"]
    _, article = opened(stack)
    author = browser.new_context().new_page()
    comment_id = commented(stack, author, article["slug"], "My own words.")
    for action, fields in (("delete", ""), ("edit", '<input name="body" value="Forged">')):
        url = f"{site}/comments/{comment_id}/{action}"
        attacker.page = (
            f'<!doctype html><form method="post" action="{html.escape(url)}">'
            f'<input type="hidden" name="csrf" value="">{fields}</form>'
            "<script>document.forms[0].submit()</script>")
        with author.expect_response(lambda r: r.request.method == "POST") as posted:
            author.goto(f"http://localhost:{attacker.port}/")
        assert posted.value.url == url and posted.value.status == 403, action
        author.wait_for_url(url)
        assert "This form has expired" in author.content()
    shot(author, "own-cross-site-refused")
    kept = stack.client("comments").get(f"/comments/{comment_id}")
    assert kept.status_code == 200 and kept.json()["body_html"] == "<p>My own words.</p>"


def test_after_the_window_the_controls_are_gone_and_a_change_is_refused(
        stack: Stack, browser: Browser) -> None:
    site = stack.urls["site"]
    _, article = opened(stack)
    author = browser.new_context().new_page()
    comment_id = commented(stack, author, article["slug"], "Late thoughts.")
    author.goto(f"{site}/comments/{comment_id}/edit")  # the form, opened in time
    author.fill("#body", "Too late")
    backdated(stack, comment_id)
    author.click("#edit-form button[type=submit]")
    author.wait_for_selector("p.error")
    assert "that time is over" in author.inner_text("p.error")
    shot(author, "own-edit-too-late")
    author.goto(f"{site}/articles/{article['slug']}")
    ready(author)
    assert author.locator(".own-controls").count() == 0
    assert "Late thoughts." in author.inner_text(f"#comment-{comment_id} .text")
    response = author.goto(f"{site}/comments/{comment_id}/delete")
    assert response is not None and response.status == 403
    assert "15 minutes" in author.inner_text("p.error")


def test_on_a_closed_thread_the_count_stands_above_the_notice(
        stack: Stack, browser: Browser) -> None:
    site = stack.urls["site"]
    _, article = opened(stack)
    author = browser.new_context().new_page()
    comment_id = commented(stack, author, article["slug"], "Before it closed.")
    stack.editor().post(f"/articles/{article['id']}/close-comments").raise_for_status()

    def closed() -> bool:
        author.goto(f"{site}/articles/{article['slug']}")
        return author.locator("p.closed").count() == 1
    wait_for(closed, what="the closed notice")
    author.wait_for_selector("p.me:text('You have commented 1 time.')")
    assert author.evaluate("document.querySelector('p.me').compareDocumentPosition("
                           "document.querySelector('p.closed')) & Node.DOCUMENT_POSITION_FOLLOWING")
    # Deleting stays possible in the window; editing does not.
    assert author.locator(f"#comment-{comment_id} a.delete-own").count() == 1
    assert author.locator(f"#comment-{comment_id} a.edit-own").count() == 0
    shot(author, "own-closed-count")
    response = author.goto(f"{site}/comments/{comment_id}/edit")
    assert response is not None and response.status == 403
    assert "can no longer be edited" in author.inner_text("p.error")


def test_without_javascript_a_commenter_edits_by_way_of_their_list(
        stack: Stack, browser: Browser) -> None:
    _, article = opened(stack)
    author = browser.new_context(java_script_enabled=False).new_page()
    comment_id = commented(stack, author, article["slug"], "Typed without scripts.")
    author.click("a:text('Edit or delete a comment you just posted')")  # in <noscript>
    author.wait_for_url("**/my-comments")
    assert TIME_LEFT.search(author.inner_text(f"#own-{comment_id} .time-left"))
    shot(author, "own-list-no-js")
    author.click(f"#own-{comment_id} a.edit-own")
    author.wait_for_url(f"**/comments/{comment_id}/edit")
    author.fill("#body", "Changed without scripts.")
    author.click("#edit-form button[type=submit]")
    author.wait_for_url(re.compile(rf".*#comment-{comment_id}$"))
    assert "Changed without scripts." in author.inner_text(f"#comment-{comment_id} .text")
    assert author.locator(f"#comment-{comment_id} .edited").count() == 1
    stranger = browser.new_context(java_script_enabled=False).new_page()
    stranger.goto(f"{stack.urls['site']}/my-comments")
    assert stranger.locator(".own-comment").count() == 0
    assert "You have no comments you can still change" in stranger.inner_text("p.none")
