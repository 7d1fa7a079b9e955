"""The comments API over HTTP: unknown articles, invalid input, nic ownership."""

import uuid

from tests.comments.helpers import open_article
from tests.conftest import Stack


def test_comment_on_an_article_never_published_gets_404(stack: Stack) -> None:
    response = stack.client("comments").post("/articles/987654/comments",
                                             json={"nic": "Nobody", "body": "Hello?"})
    assert response.status_code == 404
    assert "987654" in response.json()["detail"]
    assert stack.client("comments").get("/articles/987654/comments").status_code == 404
    assert stack.client("comments").get("/comments/987654").status_code == 404


def test_invalid_comment_gets_422_naming_the_field(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    url = f"/articles/{article}/comments"
    cases = {
        "email": {"nic": "A", "body": "b", "email": "not an address", "notify_replies": True},
        "body": {"nic": "A", "body": "   "},
        "nic": {"nic": "x" * 41, "body": "b"},
        "website": {"nic": "A", "body": "b", "website": "javascript:alert(1)"},
    }
    for field, body in cases.items():
        response = comments.post(url, json=body)
        assert response.status_code == 422, field
        assert field in response.json()["detail"]
    assert comments.post(url, json={"nic": "A", "body": "b" * 10_001}).status_code == 422
    for body in ({"nic": "A\x0c", "body": "b"}, {"nic": "A", "body": "nul \x00"},
                 {"nic": "ß" * 30, "body": "b"}, {"nic": "A", "body": "b", "parent_id": 2**40}):
        response = comments.post(url, json=body)
        assert response.status_code == 422, body
    assert comments.get(f"/comments/{2**63}").status_code == 422
    assert comments.get(url).json()["count"] == 0


def test_a_nic_belongs_to_its_first_commenter(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    url = f"/articles/{article}/comments"
    nic = f"Frank {uuid.uuid4().hex[:6]}"
    first = comments.post(url, json={"nic": nic, "body": "Mine."}).json()
    impostor = comments.post(url, json={"nic": nic.upper(), "body": "Mine too."})
    assert impostor.status_code == 409
    assert "belongs to another commenter" in impostor.json()["detail"]
    again = comments.post(url, json={"nic": nic, "body": "Still me."},
                          headers={"X-Commenter-Token": first["commenter_token"]})
    assert again.status_code == 201
    assert again.json()["commenter_token"] is None
    forged = comments.post(url, json={"nic": nic, "body": "x"},
                           headers={"X-Commenter-Token": "forged"})
    assert forged.status_code == 401
    assert comments.get(url).json()["count"] == 2


def test_reply_to_an_unknown_comment_gets_404(stack: Stack) -> None:
    article = open_article(stack)
    response = stack.client("comments").post(f"/articles/{article}/comments", json={
        "nic": f"R {uuid.uuid4().hex[:6]}", "body": "Reply", "parent_id": 999999})
    assert response.status_code == 404
    assert "999999" in response.json()["detail"]


def test_comment_text_is_never_html(stack: Stack) -> None:
    article = open_article(stack)
    posted = stack.client("comments").post(f"/articles/{article}/comments", json={
        "nic": f"X {uuid.uuid4().hex[:6]}", "body": "<img src=x onerror=alert(1)>"}).json()
    assert "<img" not in posted["comment"]["body_html"]
    assert "&lt;img" in posted["comment"]["body_html"]
