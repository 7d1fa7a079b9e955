"""Identity by nic over HTTP: the commenter token, the nics it owns, "You have commented N
times", and what never comes back out (the e-mail address)."""

from tests.comments.helpers import nic, open_article, post
from tests.conftest import Stack


def test_commenter_profile_counts_comments_and_lists_nics(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    original, other = nic(), nic()
    first = post(comments, article, "One", nic=original)
    token = first["commenter_token"]
    post(comments, article, "Two", token=token, nic=original)
    post(comments, article, "Three", token=token, nic=other)
    me = comments.get("/commenters/me", headers={"X-Commenter-Token": token}).json()
    assert me == {"comment_count": 3, "original_nic": original, "nics": [original, other],
                  "has_recovery_code": False}
    assert comments.get("/commenters/me").status_code == 401
    assert comments.get("/commenters/me", headers={"X-Commenter-Token": "x"}).status_code == 401


def test_email_is_never_in_a_response_and_website_must_be_http(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    posted = comments.post(f"/articles/{article}/comments", json={
        "nic": nic(), "body": "Hi", "email": "secret-reader@example.org", "notify_replies": True,
        "website": "https://example.org/me"})
    assert posted.status_code == 201
    assert "secret-reader" not in posted.text
    assert posted.json()["comment"]["website"] == "https://example.org/me"
    for url in (f"/articles/{article}/comments", f"/comments/{posted.json()['comment']['id']}"):
        assert "secret-reader" not in comments.get(url).text
    for website in ("javascript:alert(1)", "data:text/html,x", "ftp://example.org"):
        response = comments.post(f"/articles/{article}/comments",
                                 json={"nic": nic(), "body": "x", "website": website})
        assert response.status_code == 422 and "website" in response.json()["detail"]
