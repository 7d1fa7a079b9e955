"""Helpers for the site's tests: the site's client, an article open for comments, a form's
CSRF field, screenshots and text selection in the browser, and the words of the APIs that
must never reach a reader."""

import re
from pathlib import Path

import httpx
from playwright.sync_api import Page

from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_article, new_category

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# What an API says to a program and a reader must never see on a page.
API_WORDS = re.compile(r"Value error|value_error|\b(email|nic|body|website|cursor|homepage): "
                       r"|not a cursor|String should|API", re.IGNORECASE)


def shot(page: Page, name: str) -> None:
    """Save the whole page as test-artifacts/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def select(page: Page, start: str, end: str | None = None) -> None:
    """Select the comment text from `start` to `end` (or to its end), as a mouse would."""
    page.eval_on_selector("#body", """(el, [start, end]) => {
        const from = el.value.indexOf(start);
        el.setSelectionRange(from, end ? el.value.indexOf(end) + end.length : el.value.length);
    }""", [start, end])


def site(stack: Stack) -> httpx.Client:
    """A client of the site that shows redirects instead of following them."""
    return stack.client("site", follow_redirects=False)


def opened(stack: Stack) -> tuple[dict, dict]:  # type: ignore[type-arg]
    """A new category and a published article in it, once comments are open on it."""
    category = new_category(stack)
    article = new_article(stack, category["slug"], source_name="The Courier",
                          body="[quote]What happened.[/quote]\n\n[ed]Our view.[/ed]")
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the article in comments")
    return category, article


def csrf_of(page: httpx.Response) -> str:
    """The CSRF field of the (first) form on `page`."""
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, "no CSRF field in the form"
    return match.group(1)
