"""The site in a real browser: Playwright driving Debian's Chromium, headless, against a
running Burg. A reader comments with the toolbar, a second reader replies, and the first gets
the reply e-mail; a closed article shows its notice. Every page visited is saved as a
screenshot under test-artifacts/screenshots/."""

import re
import uuid

from playwright.sync_api import Browser

from tests.conftest import Stack, wait_for
from tests.web.helpers import opened, pick_nic, select, shot


def test_a_reader_comments_with_the_toolbar_and_hears_of_a_reply(
        stack: Stack, browser: Browser) -> None:
    _, article = opened(stack)
    site = stack.urls["site"]
    address = f"browser-{uuid.uuid4().hex[:8]}@example.org"
    reader = browser.new_page()
    reader.goto(site + "/")
    shot(reader, "front")
    reader.click(f"a[href='/articles/{article['slug']}']")
    reader.wait_for_url(f"**/articles/{article['slug']}")
    nic = f"Reader {uuid.uuid4().hex[:6]}"
    reader.fill("#nic", nic)
    reader.fill("#email", address)
    reader.check("input[name=notify_replies]")
    reader.fill("#body", "Big news, see https://example.org/a/very/long/path/to/the/story")
    select(reader, "Big news", "Big news")
    reader.click(".toolbar button[data-tag=b]")
    select(reader, "https://")
    reader.click(".toolbar button[data-tag=squish]")
    assert reader.input_value("#body") == (
        "[b]Big news[/b], see [squish]https://example.org/a/very/long/path/to/the/story"
        "[/squish]")
    reader.wait_for_selector("#preview strong")  # the live preview, rendered by the service
    shot(reader, "article-form")
    reader.click("#comment-form button[type=submit]")
    reader.wait_for_url(re.compile(r".*#comment-\d+$"))
    comment_id = reader.url.rsplit("-", 1)[1]
    rendered = reader.inner_html(f"#comment-{comment_id} .text")
    assert "<strong>Big news</strong>" in rendered and 'rel="nofollow ugc noopener"' in rendered
    reader.wait_for_selector("p.me:text('You have commented 1 time.')")  # from reader.js
    shot(reader, "article-commented")

    # The confirmation e-mail's link, opened in the browser: a page with one button.
    reader.goto(stack.confirmation_link(address))
    shot(reader, "confirm")
    reader.click("button[type=submit]")
    assert "Address confirmed" in reader.content()

    other = browser.new_context().new_page()  # another reader: no cookies
    other.goto(f"{site}/articles/{article['slug']}")
    other.click(f"#comment-{comment_id} a:text('Reply')")
    other.fill("#nic", f"Replier {uuid.uuid4().hex[:6]}")
    other.fill("#body", "Indeed it is.")
    other.click("#comment-form button[type=submit]")
    other.wait_for_url(re.compile(r".*#comment-\d+$"))
    shot(other, "article-replied")
    [mail] = wait_for(lambda: stack.replies_to(address), what="the reply e-mail")
    assert "Indeed it is." in mail.get_body(preferencelist=("plain",)).get_content()


    # On a phone: the thread and the form fit the screen's width, nothing scrolls sideways.
    phone = browser.new_context(viewport={"width": 390, "height": 844},
                                is_mobile=True).new_page()
    phone.goto(f"{site}/articles/{article['slug']}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "article-phone")


def test_every_toolbar_button_and_both_nic_helpers(stack: Stack, browser: Browser) -> None:
    _, article = opened(stack)
    page = browser.new_context().new_page()
    page.goto(f"{stack.urls['site']}/articles/{article['slug']}")

    def pressed(text: str, tag: str, selected: str) -> str:
        page.fill("#body", text)
        select(page, selected)
        page.click(f".toolbar button[data-tag='{tag}']")
        return page.input_value("#body")

    for tag in ("b", "i", "u", "s", "quote", "small", "big", "squish", "foto", "photo"):
        assert pressed("say word", tag, "word") == f"say [{tag}]word[/{tag}]"
    assert pressed("see https://example.org/x", "url", "https://") == (
        "see [url]https://example.org/x[/url]")
    page.once("dialog", lambda dialog: dialog.accept("https://example.org/"))
    assert pressed("our site", "url", "site") == "our [url=https://example.org/]site[/url]"
    assert pressed("one\ntwo", "*", "one") == "[*] one\n[*] two"

    # A returning commenter with two nics: "My Original Nic" and "Pic-a-Nic" fill the name.
    original, other = (f"{word} {uuid.uuid4().hex[:6]}" for word in ("First", "Second"))
    for nic in (original, other):
        before = page.url
        page.fill("#nic", nic)
        page.fill("#body", f"As {nic}.")
        page.click("#comment-form button[type=submit]")
        page.wait_for_url(lambda url, before=before: url != before and "#comment-" in url)
    page.wait_for_selector("p.me:text('You have commented 2 times.')")  # from reader.js
    page.fill("#nic", "")
    page.click("#original-nic")
    assert page.input_value("#nic") == original
    pick_nic(page, stack, other)
    assert page.input_value("#nic") == other
    shot(page, "article-nic-helpers")


def test_a_closed_article_shows_its_notice(stack: Stack, browser: Browser) -> None:
    _, article = opened(stack)
    stack.editor().post(f"/articles/{article['id']}/close-comments").raise_for_status()
    page = browser.new_page()
    wait_for(lambda: page.goto(f"{stack.urls['site']}/articles/{article['slug']}") and
             "Sorry. Comments have been closed on this article." in page.content(),
             what="the closed notice")
    assert page.query_selector("#comment-form") is None
    shot(page, "article-closed")
