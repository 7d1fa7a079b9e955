"""Comment numbers, the edited mark, a nic's page and the sidebar of newest comments, in
Chromium against a running Burg; every page visited is saved as a screenshot under
test-artifacts/screenshots/."""

import re
import uuid

from playwright.sync_api import Browser

from tests.comments.helpers import moderator
from tests.conftest import Stack, wait_for
from tests.web.helpers import opened, shot


def test_numbers_the_edited_mark_a_nic_page_and_the_sidebar(
        stack: Stack, browser: Browser) -> None:
    _, article = opened(stack)
    site = stack.urls["site"]
    context = browser.new_context()
    reader = context.new_page()
    reader.goto(f"{site}/articles/{article['slug']}")
    nic = f"Zoë {uuid.uuid4().hex[:6]}"
    ids = []
    for words in ("The first word.", "A second thought."):
        reader.fill("#nic", nic)
        reader.fill("#body", words)
        reader.click("#comment-form button[type=submit]")
        reader.wait_for_url(re.compile(r".*#comment-\d+$"))
        ids.append(int(reader.url.rsplit("-", 1)[1]))
    first, second = ids
    assert reader.inner_text(f"#comment-{first} a.number") == "#1"
    assert reader.inner_text(f"#comment-{second} a.number") == "#2"

    # The author edits their second comment (through the API, with the cookie's token).
    [token] = [c["value"] for c in context.cookies() if c["name"] == "burg_commenter"]
    edited = stack.client("comments").patch(
        f"/comments/{second}", json={"body": "A second, better thought."},
        headers={"X-Commenter-Token": token})
    assert edited.status_code == 200, edited.text

    def shows_the_edit() -> bool:
        reader.goto(f"{site}/articles/{article['slug']}")
        return reader.locator(f"#comment-{second} .edited").count() == 1

    wait_for(shows_the_edit, what="the edited mark")
    assert reader.inner_text(f"#comment-{second} .edited").startswith("edited ")
    sidebar = reader.locator("aside.sidebar")
    assert sidebar.locator(f"a[href='/comments/{second}']").inner_text() == article["title"]
    shot(reader, "comment-numbers-and-sidebar")

    # The number is the permalink: the page of the thread holding the comment, at it.
    reader.click(f"#comment-{first} a.number")
    reader.wait_for_url(re.compile(rf".*#comment-{first}$"))

    # The nic's link: its page, newest first, with the count and since when.
    reader.click(f"#comment-{first} a.nic")
    reader.wait_for_url(re.compile(r".*/nics/.*"))
    assert reader.inner_text("h1.nic-page") == nic
    assert "2 comments, commenting since" in reader.inner_text("main")
    assert reader.locator("main .comment a.number").all_inner_texts() == ["#2", "#1"]
    shot(reader, "nic-page")

    # An editor removes the second: it leaves the nic's page and the sidebar.
    assert moderator(stack).post(f"/comments/{second}/hide").status_code == 200

    def gone() -> bool:
        reader.reload()
        return (reader.locator(f"aside.sidebar a[href='/comments/{second}']").count() == 0
                and reader.locator(f"main #comment-{second}").count() == 0)

    wait_for(gone, timeout=10, what="the hidden comment off the nic page and the sidebar")
    assert "1 comment, commenting since" in reader.inner_text("main")
    reader.goto(f"{site}/recent")
    assert reader.locator(f"main #comment-{first}").count() == 1
    shot(reader, "recent-comments")
