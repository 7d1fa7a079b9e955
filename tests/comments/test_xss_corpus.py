"""The XSS corpus (tests/xss_corpus.py) sent through the comment and article APIs: nothing may
come back that can run script (or a 500). Each answer is a rendered page fragment, or a clear
4xx."""

import pytest

from tests.comments.helpers import executable_parts, nic, open_article
from tests.conftest import Stack
from tests.xss_corpus import CORPUS


@pytest.fixture(scope="module")
def article(stack: Stack) -> int:
    return open_article(stack)


@pytest.mark.parametrize("body", CORPUS, ids=range(len(CORPUS)))
def test_comment_corpus_renders_nothing_executable(stack: Stack, article: int, body: str) -> None:
    comments = stack.client("comments")
    preview = comments.post("/preview", json={"body": body})
    assert preview.status_code in (200, 422), preview.text
    if preview.status_code == 200:
        assert executable_parts(preview.json()["body_html"]) == []
    posted = comments.post(f"/articles/{article}/comments", json={"nic": nic(), "body": body})
    assert posted.status_code in (201, 422), posted.text  # 422: e.g. more than 10 links
    if posted.status_code == 201:
        assert executable_parts(posted.json()["comment"]["body_html"]) == []


@pytest.mark.parametrize("body", CORPUS, ids=range(len(CORPUS)))
def test_article_corpus_renders_nothing_executable(stack: Stack, body: str) -> None:
    response = stack.editor().post("/preview", json={"body": f"[ed]{body}[/ed] {body}"})
    assert response.status_code == 200, response.text
    assert executable_parts(response.json()["body_html"]) == []


def test_thread_as_a_whole_is_safe(stack: Stack, article: int) -> None:
    thread = stack.client("comments").get(f"/articles/{article}/comments",
                                          params={"limit": 500}).json()
    assert thread["count"] >= len(CORPUS) - 5
    assert executable_parts("".join(c["body_html"] for c in thread["comments"])) == []


@pytest.mark.parametrize("value", ["Frank\u202eknarF", "nul\x00", "bell\x07", "tab\there"])
def test_control_and_bidi_characters_in_nics_get_422(stack: Stack, article: int,
                                                     value: str) -> None:
    response = stack.client("comments").post(f"/articles/{article}/comments",
                                             json={"nic": value, "body": "x"})
    assert response.status_code == 422 and "nic" in response.json()["detail"]
