"""Editors managed by editors on the desk, in Chromium: an editor with the right makes a new
editor, whose token is shown once and opens the desk; a rotation makes the old token useless
at sign-in; a revoke (confirmed first) closes the desk to them."""

import uuid

from playwright.sync_api import Browser, BrowserContext, Page

from tests.conftest import Stack
from tests.posts.helpers import cli_editor
from tests.web.helpers import shot


def signing_in(browser: Browser, site: str, token: str) -> tuple[BrowserContext, Page]:
    """A new browser that signs in at the desk with `token`, as a person would."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{site}/editor")
    page.fill("#token", token)
    page.click("button:text('Sign in')")
    page.wait_for_load_state()
    return context, page


def shown_token(page: Page) -> str:
    page.wait_for_selector("#new-token")
    assert "Copy this token now" in page.inner_text("main")
    return page.input_value("#new-token")


def test_an_editor_makes_rotates_and_revokes_another(stack: Stack, browser: Browser) -> None:
    site = stack.urls["site"]
    admin_nic, nic = f"Admin {uuid.uuid4().hex[:6]}", f"Frank {uuid.uuid4().hex[:6]}"
    _, admin = signing_in(browser, site, cli_editor(stack, admin_nic, admin=True))
    admin.click("a:text('Editors')")
    admin.wait_for_url("**/editor/editors")
    assert admin_nic in admin.inner_text("table.editors")

    admin.fill("#nic", nic)
    with admin.expect_response(lambda r: r.request.method == "POST") as answer:
        admin.click("#new-editor button[type=submit]")
    assert answer.value.status == 200
    assert answer.value.headers["cache-control"] == "no-store"
    first = shown_token(admin)
    shot(admin, "editors-token-shown")
    admin.goto(f"{site}/editor/editors")  # the list never shows a token again
    assert nic in admin.inner_text("table.editors") and first not in admin.content()

    _, newcomer = signing_in(browser, site, first)
    assert f"Signed in as {nic}" in newcomer.inner_text("main")
    assert newcomer.locator("a:text('Editors')").count() == 0  # no right to manage
    refused = newcomer.goto(f"{site}/editor/editors")
    assert refused is not None and refused.status == 403

    admin.locator("tr", has_text=nic).locator("button:text('New token')").click()
    second = shown_token(admin)
    assert second != first and "old token no longer works" in admin.inner_text("main")
    _, stale = signing_in(browser, site, first)
    assert "does not open" in stale.inner_text("main")
    _, renewed = signing_in(browser, site, second)
    assert f"Signed in as {nic}" in renewed.inner_text("main")

    admin.goto(f"{site}/editor/editors")
    admin.locator("tr", has_text=nic).locator("button:text('Revoke')").click()
    admin.wait_for_selector("text=Yes, revoke")
    shot(admin, "editors-revoke-confirm")
    admin.click("button:text('Yes, revoke')")
    admin.wait_for_url("**/editor/editors?revoked=*")
    assert f"{nic}'s token no longer works" in admin.inner_text("main")
    renewed.goto(f"{site}/editor")
    assert renewed.locator("#token").count() == 1  # back to the sign-in form
    _, gone = signing_in(browser, site, second)
    assert "does not open" in gone.inner_text("main")
