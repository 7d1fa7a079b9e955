"""The commenter's own controls over HTTP (own_comments.py, own_times.py): the article page
stays every reader's (the author's comments and their time left come from /reader), and
the edit and delete pages refuse, with a page that says why, whatever is not the author's,
not in time, not from our own form or not a comment at all."""

import uuid

import httpx

from tests.conftest import Stack
from tests.web.helpers import csrf_of, opened, reader_of, site


def author_of_a_comment(stack: Stack, slug: str) -> tuple[httpx.Client, int]:
    """A client that posted a comment through the site (its cookie), and the comment's id."""
    author = site(stack)
    sent = author.post(f"/articles/{slug}", data={
        "csrf": "", "nic": f"Own {uuid.uuid4().hex[:6]}", "body": "Own words."},
        headers={"Sec-Fetch-Site": "same-origin"})
    assert sent.status_code == 303, sent.text
    return author, int(sent.headers["location"].rsplit("/", 1)[1])


def test_the_page_is_shared_and_only_the_author_is_told_of_their_controls(
        stack: Stack) -> None:
    _, article = opened(stack)
    path = f"/articles/{article['slug']}"
    author, comment_id = author_of_a_comment(stack, article["slug"])
    theirs, anyone = author.get(path), site(stack).get(path)
    assert theirs.content == anyone.content and "/edit" not in theirs.text
    [own] = reader_of(theirs)["own"]
    assert own["id"] == comment_id and own["can_edit"] is True
    assert 14 <= own["minutes_left"] <= 15
    assert reader_of(anyone)["own"] == []


def test_the_author_edits_with_the_pages_token_and_an_empty_text_is_refused(
        stack: Stack) -> None:
    _, article = opened(stack)
    author, comment_id = author_of_a_comment(stack, article["slug"])
    form = author.get(f"/comments/{comment_id}/edit")
    assert form.status_code == 200 and "Own words." in form.text
    assert form.headers["cache-control"] == "private, no-store"
    assert "editable for 15 more minutes" in form.text or "editable for 14 more" in form.text
    token = csrf_of(form)
    empty = author.post(f"/comments/{comment_id}/edit", data={"csrf": token, "body": " "})
    assert empty.status_code == 422 and "Please write your comment." in empty.text
    tokenless = author.post(f"/comments/{comment_id}/edit", data={"body": "No token"},
                            headers={"Sec-Fetch-Site": "same-origin"})
    assert tokenless.status_code == 403 and "This form has expired" in tokenless.text
    saved = author.post(f"/comments/{comment_id}/edit", data={"csrf": token, "body": "New."})
    assert saved.status_code == 303 and saved.headers["location"] == f"/comments/{comment_id}"
    page = author.get(f"/articles/{article['slug']}")
    assert "<p>New.</p>" in page.text and 'class="edited"' in page.text


def test_anyone_else_gets_a_page_that_says_why(stack: Stack) -> None:
    _, article = opened(stack)
    _, comment_id = author_of_a_comment(stack, article["slug"])
    stranger, other_commenter = site(stack), author_of_a_comment(stack, article["slug"])[0]
    for client in (stranger, other_commenter):
        for action in ("edit", "delete"):
            page = client.get(f"/comments/{comment_id}/{action}")
            assert page.status_code == 403 and "Only its author" in page.text, action
    for bogus in ("0", "abc", "99999999999999999999", "999999"):
        page = stranger.get(f"/comments/{bogus}/edit")
        assert page.status_code in (403, 404) and "Traceback" not in page.text
    page = other_commenter.get("/comments/abc/delete")
    assert page.status_code == 404 and "not on the site" in page.text
    gone = other_commenter.get("/comments/999999999/delete")
    assert gone.status_code == 404
    kept = stack.client("comments").get(f"/comments/{comment_id}")
    assert kept.json()["body_html"] == "<p>Own words.</p>"
