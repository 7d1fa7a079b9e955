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
