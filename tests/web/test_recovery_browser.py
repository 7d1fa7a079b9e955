"""A nic that survives a lost cookie, in Chromium. A commenter's article page offers a
recovery code from the first comment on; the code is shown once; a new browser with no
cookie recovers the commenter with it (nics, count, the form's nic), the old browser's cookie
stops working, the code is spent; a wrong code opens nothing; another site's form cannot make
or use a code, nor ask for a link, in the reader's name. A commenter who confirmed an address
asks for a link by e-mail and the mailed link, opened in a new browser, brings them back.
Screenshots go under test-artifacts/screenshots/."""

import html
import re
import uuid

from playwright.sync_api import Browser

from tests.comments.helpers import nic, post
from tests.conftest import Stack, wait_for
from tests.web.helpers import Attacker, opened, shot


def test_a_new_browser_gets_the_commenter_back_with_the_code(
        stack: Stack, browser: Browser) -> None:
    site = stack.urls["site"]
    _, article = opened(stack)
    first, second = nic(), nic()
    old = browser.new_context()
    page = old.new_page()
    page.goto(f"{site}/articles/{article['slug']}")
    for name in (first, second):
        page.fill("#nic", name)
        page.fill("#body", f"As {name}.")
        before = page.url
        page.click("#comment-form button[type=submit]")
        page.wait_for_url(lambda u, before=before: u != before and "#comment-" in u)
    page.wait_for_selector("html[data-reader=ready]")
    page.click("#keep-nics")  # offered beside "You have commented 2 times."
    page.wait_for_url("**/me/recovery")
    page.click("#recovery-form button[type=submit]")
    code = page.inner_text("#recovery-code").strip()
    assert len(code.replace("-", "")) == 25
    shot(page, "recovery-code")
    page.goto(f"{site}/articles/{article['slug']}")
    page.wait_for_selector("html[data-reader=ready]")
    assert page.locator("#keep-nics").count() == 0  # made: no longer offered

    new = browser.new_context(java_script_enabled=False)  # no cookie, no script
    other = new.new_page()
    other.goto(f"{site}/me/recover")
    other.fill("#recovery_code", "ABCDE-FGHJK-MNPQR-STVWX-YZ234")  # someone else's? no one's
    other.click("#recover-form button[type=submit]")
    assert "That code opens nothing" in other.inner_text(".form-problems")
    other.fill("#recovery_code", code.lower())
    other.click("#recover-form button[type=submit]")
    welcome = other.inner_text("main")
    assert f"Welcome back, {first}" in welcome and second in welcome and "2 comments" in welcome
    newer = other.inner_text("#recovery-code").strip()
    assert newer != code
    shot(other, "recovered")
    other.goto(f"{site}/me/recovery")  # this browser is the commenter now, with a code
    assert first in other.inner_text("main") and "made a code already" in other.inner_text("main")
    # The old browser no longer holds the commenter; the spent code opens nothing.
    assert stack.client("comments").get("/commenters/me", headers={
        "X-Commenter-Token": next(c["value"] for c in old.cookies()
                                  if c["name"] == "burg_commenter")}).status_code == 401
    other.goto(f"{site}/me/recover")
    other.fill("#recovery_code", code)
    other.click("#recover-form button[type=submit]")
    assert "That code opens nothing" in other.inner_text(".form-problems")
    old.close()
    new.close()


def test_another_sites_form_cannot_make_or_use_a_code(
        stack: Stack, browser: Browser, attacker: Attacker) -> None:
    site = stack.urls["site"]
    _, article = opened(stack)
    token = post(stack.client("comments"), article["id"], "Mine.")["commenter_token"]
    reader = browser.new_context().new_page()
    reader.context.add_cookies([{"name": "burg_commenter", "value": token, "url": site}])
    reader.goto(f"{site}/me/recovery")  # the reader has a CSRF cookie of ours
    for action in (f"{site}/me/recovery", f"{site}/me/recover", f"{site}/me/recovery-link"):
        attacker.page = (
            f'<!doctype html><form method="post" action="{html.escape(action)}">'
            '<input type="hidden" name="recovery_code" value="ABCDE-FGHJK-MNPQR-STVWX-YZ234">'
            '<input type="hidden" name="csrf" value=""></form>'
            "<script>document.forms[0].submit()</script>")
        with reader.expect_response(lambda r: r.request.method == "POST") as sent:
            reader.goto(f"http://localhost:{attacker.port}/")
        assert sent.value.url == action and sent.value.status == 403, action
        reader.wait_for_url(action)
        assert "This form has expired" in reader.content()
    # No code was made in the reader's name.
    me = stack.client("comments").get("/commenters/me", headers={"X-Commenter-Token": token})
    assert me.json()["has_recovery_code"] is False


def test_a_mailed_link_brings_the_commenter_back_in_a_new_browser(
        stack: Stack, browser: Browser) -> None:
    site, tag = stack.urls["site"], uuid.uuid4().hex[:8]
    _, article = opened(stack)
    address, name = f"browser-{tag}@example.org", f"Mailed {tag}"
    old = browser.new_context()
    page = old.new_page()
    page.goto(f"{site}/articles/{article['slug']}")
    page.fill("#nic", name)
    page.fill("#body", "Mail me the replies.")
    page.fill("#email", address)
    page.check("input[name=notify_replies]")
    before = page.url
    page.click("#comment-form button[type=submit]")
    page.wait_for_url(lambda u: u != before and "#comment-" in u)
    stack.confirm(address)

    new = browser.new_context()  # the cookie is gone
    other = new.new_page()
    other.goto(f"{site}/me/recover")
    other.fill("#recovery_email", address)
    other.click("#recovery-link-form button[type=submit]")
    assert "a link is on its way" in other.inner_text("#link-asked")
    shot(other, "recovery-link-asked")

    def mailed() -> str | None:
        for mail in stack.mails():
            if mail["To"] == address and mail["Subject"].startswith("Your recovery link"):
                text = mail.get_body(preferencelist=("plain",)).get_content()
                return str(re.findall(r"\S+/me/recover\?code=\S+", text)[0])
        return None

    link = wait_for(mailed, what="the recovery link", explain=lambda: stack.mail_trail(address))
    other.goto(link)
    assert other.input_value("#recovery_code") == link.split("code=", 1)[1]
    shot(other, "recovery-link-opened")
    other.click("#recover-form button[type=submit]")
    welcome = other.inner_text("main")
    assert f"Welcome back, {name}" in welcome and "1 comment" in welcome
    other.goto(f"{site}/articles/{article['slug']}")
    other.wait_for_selector("html[data-reader=ready]")
    assert other.input_value("#nic") == name  # the form knows them again
    old.close()
    new.close()
