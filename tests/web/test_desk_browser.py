"""The editors' desk in Chromium: sign in, save a draft and find it in the desk's list,
create and rename a category, give the article a dateline and a closing time for its
comments, publish, and retract it through the page that asks first. Screenshots go under
test-artifacts/screenshots/desk-*.png."""

import re
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import Browser

from tests.conftest import Stack
from tests.web.helpers import shot


def test_an_editor_works_the_desk(stack: Stack, browser: Browser) -> None:
    site = stack.urls["site"]
    page = browser.new_context().new_page()
    page.goto(f"{site}/editor")
    page.fill("#token", stack.editor_token)
    page.click("button:text('Sign in')")
    page.wait_for_url("**/editor/desk")

    # A category, made and renamed in the browser; a taken name is refused on the form.
    page.click("a:text('Categories')")
    name = f"Desk {uuid.uuid4().hex[:6]}"
    page.fill("#category-new-name", name)
    page.fill("#category-new-description", "Made in the browser")
    page.click("#category-new button:text('Create')")
    page.wait_for_url(re.compile(r".*/editor/categories\?saved="))
    slug = page.url.split("saved=")[1].split("#")[0]
    page.fill("#category-new-name", name)
    page.click("#category-new button:text('Create')")
    page.wait_for_selector("#category-new .field-problem")
    assert "There is a category of this name already" in page.inner_text("#category-new")
    shot(page, "desk-category-taken")
    page.fill(f"#category-{slug}-name", f"{name} renamed")
    page.click(f"#category-{slug} button:text('Save')")
    page.wait_for_selector(f"#category-{slug} .saved")
    assert page.input_value(f"#category-{slug}-name") == f"{name} renamed"
    shot(page, "desk-categories")

    # A draft with a dateline, saved, then found in the desk's list.
    page.click("a:text('New article')")
    title = f"Desk story {uuid.uuid4().hex[:6]}"
    page.fill("#title", title)
    page.select_option("#category", slug)
    page.fill("#dateline_place", "Washington")
    page.fill("#dateline", "2026-11-20")
    page.fill("#body", "[quote]Something happened.[/quote]")
    page.click("button:text('Save')")
    page.wait_for_url(re.compile(r".*/editor/articles/\d+(#article-form)?$"))
    article_id = page.url.split("#")[0].rsplit("/", 1)[1]
    page.click("a:text('Articles')")
    page.select_option("#status", "draft")
    page.fill("#q", title.upper())
    page.click("button:text('Show')")
    row = page.locator(f"#desk-article-{article_id}")
    assert "Draft" in row.inner_text() and "Open when published" in row.inner_text()
    shot(page, "desk-list")

    # Published, then its comments' closing time set in the form (UTC).
    row.locator(f"a:text('{title}')").click()
    page.click("button:text('Publish')")
    page.wait_for_url(re.compile(re.escape(site) + r"/articles/[a-z0-9-]+(#article-form)?$"))
    assert page.inner_text(".dateline") == "WASHINGTON —"
    shot(page, "desk-dateline")
    page.goto(f"{site}/editor/articles/{article_id}")
    closing = (datetime.now(UTC) + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#comments_close_at", closing)
    page.click("button:text('Save')")
    page.wait_for_url(re.compile(re.escape(site) + r"/articles/[a-z0-9-]+(#article-form)?$"))
    slug_of_article = page.url.split("#")[0].rsplit("/", 1)[1]
    page.goto(f"{site}/editor/desk?q={title}")
    assert f"Close {closing.replace('T', ' ')} UTC" in page.inner_text(
        f"#desk-article-{article_id}")

    # Retracted, through the page that says what it does.
    page.goto(f"{site}/editor/articles/{article_id}")
    page.click("a:text('Retract…')")
    page.wait_for_url(f"**/editor/articles/{article_id}/retract")
    assert "cannot be undone" in page.content()
    shot(page, "desk-retract")
    page.click("button:text('Retract for good')")
    page.wait_for_url(re.compile(r".*/editor/desk\?status=retracted"))
    page.fill("#q", title)
    page.click("button:text('Show')")
    row = page.locator(f"#desk-article-{article_id}")
    assert "Retracted" in row.inner_text() and "Closed" in row.inner_text()
    gone = page.goto(f"{site}/articles/{slug_of_article}")
    assert gone is not None and gone.status == 410
