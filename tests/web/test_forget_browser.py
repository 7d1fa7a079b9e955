"""Forget me in Chromium, without JavaScript: a commenter follows the link under the comment
form, reads what will happen, ticks the box and is forgotten (their comments leave the page);
an editor forgets a commenter from the desk by nic; another site's form cannot forget anyone
in the commenter's name. Screenshots go under test-artifacts/screenshots/."""

import html

from playwright.sync_api import Browser, BrowserContext

from tests.comments.helpers import nic, post
from tests.conftest import Stack
from tests.web.helpers import Attacker, opened, shot


def commenter(browser: Browser, stack: Stack, token: str) -> BrowserContext:
    """A browser without JavaScript that posted with `token` (the site's cookie holds it)."""
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies([{"name": "burg_commenter", "value": token,
                          "url": stack.urls["site"]}])
    return context


def test_a_commenter_forgets_themselves_without_javascript(
        stack: Stack, browser: Browser) -> None:
    site, comments = stack.urls["site"], stack.client("comments")
    _, article = opened(stack)
    mine = nic()
    posted = post(comments, article["id"], "Mine, to forget.", nic=mine)
    token = posted["commenter_token"]
    post(comments, article["id"], "Mine as well.", token=token, nic=mine)
    post(comments, article["id"], "Someone else's, to keep.")
    page = commenter(browser, stack, token).new_page()
    page.goto(f"{site}/articles/{article['slug']}")
    page.click("p.forget-link a[href='/me/forget']")
    page.wait_for_url("**/me/forget")
    assert mine in page.inner_text("ul.forget-what")
    shot(page, "forget-me-ask")
    page.check("#forget-form input[name=confirm]")
    page.click("#forget-form button[type=submit]")
    assert "2 comments deleted" in page.inner_text("p.forgotten")
    shot(page, "forget-me-done")
    page.goto(f"{site}/articles/{article['slug']}")
    shown = page.inner_text("#comments")
    assert "Someone else's, to keep." in shown and "Mine" not in shown
    # Nothing more to forget; the cookie still names the commenter (and their nics).
    page.goto(f"{site}/me/forget")
    assert mine in page.inner_text("ul.forget-what")


def test_a_browser_that_never_commented_is_told_so(stack: Stack, browser: Browser) -> None:
    page = browser.new_context(java_script_enabled=False).new_page()
    page.goto(f"{stack.urls['site']}/me/forget")
    assert "no comments of yours" in page.inner_text("main")
    assert page.locator("#forget-form").count() == 0


def test_an_editor_forgets_a_commenter_from_the_desk(stack: Stack, browser: Browser) -> None:
    site, comments = stack.urls["site"], stack.client("comments")
    _, article = opened(stack)
    troll = nic()
    post(comments, article["id"], "Trolling, to forget.", nic=troll)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies([{"name": "burg_editor", "value": stack.editor_token, "url": site}])
    desk = context.new_page()
    desk.goto(f"{site}/editor")
    desk.fill("#forget-nic", troll)
    desk.click("form.forget-nic button[type=submit]")
    desk.wait_for_url("**/editor/forget?nic=*")
    assert troll in desk.inner_text("h1")
    shot(desk, "editor-forget-ask")
    desk.check("#forget-form input[name=confirm]")
    desk.click("#forget-form button[type=submit]")
    assert "1 comment deleted" in desk.inner_text("p.forgotten")
    thread = comments.get(f"/articles/{article['id']}/comments").json()
    assert "Trolling" not in str(thread["comments"])


def test_another_sites_form_cannot_forget_the_commenter(
        stack: Stack, browser: Browser, attacker: Attacker) -> None:
    site, comments = stack.urls["site"], stack.client("comments")
    _, article = opened(stack)
    token = post(comments, article["id"], "Still here.")["commenter_token"]
    context = commenter(browser, stack, token)
    context.new_page().goto(f"{site}/me/forget")  # the commenter has a CSRF cookie of ours
    reader = browser.new_context().new_page()
    reader.context.add_cookies(context.cookies())
    action = f"{site}/me/forget"
    for host in ("localhost", "127.0.0.1"):  # another site, and another origin of ours
        attacker.page = (
            f'<!doctype html><form method="post" action="{html.escape(action)}">'
            '<input type="hidden" name="confirm" value="yes">'
            '<input type="hidden" name="csrf" value=""></form>'
            "<script>document.forms[0].submit()</script>")
        with reader.expect_response(lambda r: r.request.method == "POST") as sent:
            reader.goto(f"http://{host}:{attacker.port}/")
        assert sent.value.url == action and sent.value.status == 403, host
        reader.wait_for_url(action)
        assert "This form has expired" in reader.content()
    shot(reader, "forget-cross-origin-refused")
    assert comments.get(f"/articles/{article['id']}/comments").json()["count"] == 1
