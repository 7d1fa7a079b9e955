"""What the open internet sends: rate limits, the honeypot, links, sizes."""

from tests.comments.helpers import nic, open_article, post
from tests.conftest import STACK_ENV, Stack


def test_a_commenter_over_the_rate_limit_gets_429_with_retry_after(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    token = post(comments, article, "First")["commenter_token"]
    limit = int(STACK_ENV["BURG_COMMENTS_RATE_PER_COMMENTER"])
    statuses = [comments.post(f"/articles/{article}/comments", json={"nic": nic(), "body": "x"},
                              headers={"X-Commenter-Token": token}).status_code
                for _ in range(limit + 1)]
    assert statuses == [201] * limit + [429]
    refused = comments.post(f"/articles/{article}/comments", json={"nic": nic(), "body": "x"},
                            headers={"X-Commenter-Token": token})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "too many comments" in refused.json()["detail"]


def test_honeypot_links_and_size_limits(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    url = f"/articles/{article}/comments"
    bot = comments.post(url, json={"nic": nic(), "body": "Nice", "homepage": "http://spam"})
    assert bot.status_code == 422 and "homepage" in bot.json()["detail"]
    links = " ".join(f"https://example.org/{n}" for n in range(11))
    too_many = comments.post(url, json={"nic": nic(), "body": links})
    assert too_many.status_code == 422 and "at most 10 links" in too_many.json()["detail"]
    huge = comments.post(url, content=b'{"nic": "x", "body": "' + b"y" * 1_100_000 + b'"}',
                         headers={"Content-Type": "application/json"})
    assert huge.status_code == 413 and huge.json()["detail"]
    assert comments.get(url).json()["count"] == 0


def test_nul_characters_are_refused_with_the_field_named_or_dropped_from_a_link(
        stack: Stack) -> None:
    """PostgreSQL stores no NUL in text; SQLite would. Text with one is refused (422, naming
    the field and the character), a link is normalised without it; never a 500."""
    article, comments = open_article(stack), stack.client("comments")
    url = f"/articles/{article}/comments"
    for field, fields in (("nic", {"nic": "Nul\u0000nic", "body": "x"}),
                          ("body", {"nic": "Nul body", "body": "a\u0000b"})):
        refused = comments.post(url, json=fields)
        assert refused.status_code == 422, (fields, refused.text)
        assert refused.json()["detail"].startswith(f"{field}: Value error, must not contain "
                                                   "U+0000, a control character")
    linked = comments.post(url, json={"nic": "Nul site", "body": "x",
                                      "website": "https://a.example/\u0000"})
    assert linked.status_code == 201, linked.text
    assert linked.json()["comment"]["website"] == "https://a.example/"
    assert "\u0000" not in linked.text and "\\u0000" not in linked.text
    bad_cursor = comments.get(url, params={"cursor": "\u0000"})
    assert (bad_cursor.status_code, bad_cursor.json()["detail"]) == (
        422, "cursor: not a cursor this API handed out for this thread")
    posts = stack.editor()
    category = posts.post("/categories", json={"name": "Nul\u0000cat"})
    assert category.status_code == 422
    assert category.json()["detail"].startswith("name: Value error, must not contain U+0000")
    slug = posts.get("/articles/nul%00slug")
    assert slug.status_code == 422
    assert slug.json()["detail"].startswith("path.slug: String should match pattern")
