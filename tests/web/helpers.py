"""Helpers for the site's tests: the site's client, an article open for comments, a form's
CSRF field, screenshots and text selection in the browser, and the words of the APIs that
must never reach a reader."""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


def pick_nic(page: Page, stack: Stack, nic: str) -> None:
    """Choose `nic` in the form's Pic-a-Nic list, once the list holds it. A rare failure here
    (seen twice in full PostgreSQL passes: the list lacked the second of two nics although
    the count line said two comments) shows what the page and the comments service held."""
    def options() -> list[str]:
        found: list[str] = page.eval_on_selector_all("#pic-a-nic option",
                                                     "os => os.map(o => o.text)")
        return found

    def listed() -> bool:
        return nic in options()

    def evidence() -> str:
        token = next((c["value"] for c in page.context.cookies()
                      if c["name"] == "burg_commenter"), "")
        me = stack.client("comments").get("/commenters/me",
                                          headers={"X-Commenter-Token": token})
        mine = stack.client("comments").get("/commenters/me/comments",
                                            headers={"X-Commenter-Token": token})
        articles = {c["article_id"] for c in (mine.json().get("data", [])
                                               if mine.is_success else [])}
        threads = [stack.client("comments").get(f"/articles/{a}/comments").json().get("comments")
                   for a in articles]
        posted = [(c.get("nic"), c.get("body_html", "")[:40]) for t in threads for c in t or []]
        return (f"options: {options()}\nthe threads' comments (nic, body): {posted}"
                f"\n#nic: {page.input_value('#nic')!r}, url: {page.url}"
                f"\n#me: {page.inner_text('#me')!r}, reader: "
                f"{page.evaluate('document.documentElement.dataset.reader || null')}"
                f"\n/commenters/me: {me.status_code} {me.text[:400]}"
                f"\nthe commenter's comments: {mine.status_code} {mine.text[:800]}")

    wait_for(listed, timeout=30, what=f"{nic!r} in the Pic-a-Nic list", explain=evidence)
    page.select_option("#pic-a-nic", nic)


def site(stack: Stack, **kwargs: object) -> httpx.Client:
    """A client of the site that shows redirects instead of following them (unless told) and,
    like a browser running reader.js, asks for the reader's own parts of every article page
    it gets (`reader_of`)."""
    client = stack.client("site", **({"follow_redirects": False} | kwargs))

    def reader(response: httpx.Response) -> None:
        path = response.request.url.path
        if (response.request.method == "GET" and response.status_code == 200
                and ARTICLE_PAGE.fullmatch(path)):
            response.extensions["reader"] = client.get(f"{path}/reader").json()

    client.event_hooks["response"].append(reader)
    return client


ARTICLE_PAGE = re.compile(r"/articles/[a-z0-9-]+")


def reader_of(page: httpx.Response) -> dict:  # type: ignore[type-arg]
    """What /articles/<slug>/reader told the client that got this article page."""
    return page.extensions["reader"]  # type: ignore[no-any-return]


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
    """The CSRF field of the (first) form on `page`, as the browser holds it: an article
    page's comes from its reader parts (reader.js puts it in the form)."""
    match = re.search(r'name="csrf" value="([^"]*)"', page.text)
    assert match, "no CSRF field in the form"
    if not match.group(1) and "reader" in page.extensions:
        return str(reader_of(page)["csrf"])
    assert match.group(1), "an empty CSRF field"
    return match.group(1)


def signed_in(stack: Stack) -> httpx.Client:
    desk = site(stack)
    page = desk.get("/editor")
    assert page.status_code == 200 and 'name="token"' in page.text
    wrong = desk.post("/editor/sign-in", data={"csrf": csrf_of(page), "token": "not-a-token"})
    assert wrong.status_code == 401 and "does not open" in wrong.text
    right = desk.post("/editor/sign-in", data={"csrf": csrf_of(page), "token": stack.editor_token})
    assert right.status_code == 303 and "HttpOnly" in right.headers["set-cookie"]
    return desk


class Attacker:
    """An HTTP server on 127.0.0.1 that serves whatever page a test gives it, at `/`."""

    def __init__(self) -> None:
        self.page = ""
        attacker = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = attacker.page.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
