"""Hand-made addresses on the running stack: every cursor and path parameter is checked, so a
bad one is a 4xx naming it (an API) or a plain 4xx page (the site), never a 5xx."""

import base64

import httpx
import pytest

from tests.comments.helpers import open_article, post
from tests.conftest import Stack


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def names(answer: httpx.Response, parameter: str) -> bool:
    """Whether a 422's detail starts by naming `parameter` (`cursor: …`, `path.slug: …`)."""
    named = answer.json()["detail"].split(":", 1)[0]
    return named.rsplit(".", 1)[-1] == parameter


HUGE_ID = b64("2025-01-01T00:00:00+00:00|" + "9" * 40)
BAD_POSTS_CURSORS = [HUGE_ID, b64("2025-01-01T00:00:00+00:00|0"), b64("2025-01-01|-5"),
                     b64("0001-01-01T00:00:00+14:00|5"), b64("x|1|2"), "%%%", "A" * 5000]


@pytest.mark.parametrize("cursor", BAD_POSTS_CURSORS)
def test_a_posts_cursor_it_never_gave_out_is_a_422_naming_it(stack: Stack,
                                                             cursor: str) -> None:
    answer = stack.client("posts").get("/articles", params={"cursor": cursor})
    assert answer.status_code == 422, answer.text
    assert names(answer, "cursor")


@pytest.mark.parametrize("path", ["/categories/%3F", "/categories/%00", "/articles/%3F",
                                  "/articles/%00", "/articles/Caps", "/articles/%E2%80%AE"])
def test_a_slug_that_cannot_be_one_is_a_422_naming_it(stack: Stack, path: str) -> None:
    answer = httpx.get(f"{stack.urls['posts']}/api/posts{path}")
    assert answer.status_code == 422, answer.text
    assert names(answer, "slug")


@pytest.mark.parametrize("path", [
    "/articles/%3F", "/articles/%00", "/articles/%3Flimit=100", "/categories/%3F",
    "/categories/%3Flimit=100", "/categories/%00", "/articles/a%2F..%2F..%2Fcategories",
    "/articles/%E2%80%AE", "/categories/%25"])
def test_a_page_address_with_what_no_slug_has_is_a_404_page(stack: Stack, path: str) -> None:
    page = httpx.get(f"{stack.urls['site']}{path}")
    assert page.status_code == 404, page.text
    assert "text/html" in page.headers["content-type"]


@pytest.mark.parametrize("cursor", [HUGE_ID, "%00", "\x00", "A" * 5000])
def test_a_damaged_cursor_on_a_page_is_a_400_page(stack: Stack, cursor: str) -> None:
    article = open_article(stack)
    slug = stack.editor().get(f"/articles/by-id/{article}").json()["slug"]
    category = stack.editor().get(f"/articles/by-id/{article}").json()["category"]["slug"]
    for path in ("/", f"/categories/{category}", f"/articles/{slug}"):
        page = httpx.get(f"{stack.urls['site']}{path}", params={"cursor": cursor})
        assert page.status_code == 400, (path, page.status_code, page.text)
        assert "first page" in page.text


def test_a_thread_cursor_must_name_a_place_in_that_thread(stack: Stack) -> None:
    article, other = open_article(stack), open_article(stack)
    comments = stack.client("comments")
    first = post(comments, article, "one")["comment"]
    post(comments, article, "two")
    elsewhere = post(comments, other, "elsewhere")["comment"]
    thread = f"/articles/{article}/comments"
    page = comments.get(thread, params={"limit": 1}).json()
    assert page["next_cursor"] and [c["id"] for c in page["comments"]] == [first["id"]]
    assert comments.get(thread, params={"limit": 1, "cursor": page["next_cursor"]}
                        ).status_code == 200
    # Well-formed paths that are no comment of this thread: unknown, or another article's.
    nowhere = [b64("7fffffff"), b64(f"{elsewhere['id']:08x}"),
               b64("/".join(["00000001"] * 41)), b64("/".join(["00000001"] * 1300))]
    for name in ("cursor", "before"):
        for cursor in nowhere:
            answer = comments.get(thread, params={name: cursor})
            assert answer.status_code == 422, (name, answer.text)
            assert names(answer, name)
