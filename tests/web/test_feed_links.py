"""Every page names the feeds that concern it, the way browsers and feed readers look for
them (`<link rel="alternate">` in the head, read with an HTML parser), every one of them is
served, and the footer's "all feeds" is a page for people listing every feed."""

import html
from html.parser import HTMLParser

import httpx

from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.web.helpers import opened, site

TYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml",
         "json": "application/feed+json"}


class _Head(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.alternates: list[tuple[str, str]] = []  # (type, href) in the order of the page
        self.footer: list[str] = []
        self._in_head = self._in_footer = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._in_head = self._in_head or tag == "head"
        self._in_footer = self._in_footer or tag == "footer"
        if tag == "link" and self._in_head and found.get("rel") == "alternate":
            self.alternates.append((found.get("type") or "", found.get("href") or ""))
        if tag == "a" and self._in_footer:
            self.footer.append(found.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self._in_head = False


def alternates(page: httpx.Response) -> list[tuple[str, str]]:
    parser = _Head()
    parser.feed(page.text)
    return parser.alternates


def feed_set(stack: Stack, *stems: str) -> list[tuple[str, str]]:
    """The alternates naming every format of each feed `stems` names, in that order."""
    base = f"{stack.urls['feeds']}/feeds"
    return [(TYPES[fmt], f"{base}/{stem}.{fmt}") for stem in stems for fmt in TYPES]


def test_every_page_names_every_feed_that_concerns_it(stack: Stack) -> None:
    category, article = opened(stack)
    post(stack.client("comments"), article["id"], "So there is a comment feed to read.")
    slug = category["slug"]
    pages = {
        "/": feed_set(stack, "comments", "site"),
        f"/categories/{slug}": feed_set(stack, f"categories/{slug}", "site"),
        f"/articles/{article['slug']}": feed_set(
            stack, f"articles/{article['id']}/comments", f"categories/{slug}", "site"),
        "/editor": feed_set(stack, "site"),
    }
    for path, expected in pages.items():
        page = site(stack).get(path)
        assert page.status_code == 200, path
        assert alternates(page) == expected, path
        for _, href in expected:  # each one a feed that is served
            wait_for(lambda href=href: httpx.get(href, timeout=10).status_code == 200,
                     what=f"{href}")


def test_all_feeds_is_a_page_listing_every_feed(stack: Stack) -> None:
    category, _ = opened(stack)
    front = site(stack).get("/")
    parser = _Head()
    parser.feed(front.text)
    assert "/all-feeds" in parser.footer
    wait_for(lambda: any(f["path"] == f"categories/{category['slug']}" for f in
                         stack.client("feeds").get("/index.json").json()["feeds"]),
             what="the category's feed in the index")
    index = stack.client("feeds").get("/index.json").json()["feeds"]
    page = site(stack).get("/all-feeds")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    for feed in index:
        assert feed["title"] in html.unescape(page.text), feed["title"]
        for fmt in TYPES:
            assert f'href="{feed[fmt]}"' in page.text, (feed["path"], fmt)
    assert "<h2>Categories</h2>" in page.text and "<h2>The whole site</h2>" in page.text
