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


def test_nul_characters_anywhere_are_refused_or_dropped_never_a_500(stack: Stack) -> None:
    """PostgreSQL stores no NUL in text; SQLite would. Either way: a 4xx, or the NUL gone."""
    article, comments = open_article(stack), stack.client("comments")
    for fields in ({"nic": "Nul\u0000nic", "body": "x"}, {"nic": "Nul body", "body": "a\u0000b"},
                   {"nic": "Nul site", "body": "x", "website": "https://a.example/\u0000"}):
        response = comments.post(f"/articles/{article}/comments", json=fields)
        assert response.status_code < 500, (fields, response.text)
        if response.status_code == 201:
            assert "\u0000" not in response.text and "\\u0000" not in response.text
    assert comments.get(f"/articles/{article}/comments",
                        params={"cursor": "\u0000"}).status_code < 500
    posts = stack.editor()
    assert posts.post("/categories", json={"name": "Nul\u0000cat"}).status_code < 500
    assert posts.get("/articles/nul%00slug").status_code in (400, 404, 422)  # 422: not a slug
