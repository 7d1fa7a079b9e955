"""The article page is one page for every reader (article_pages.py): the same bytes for two
readers and for a signed-in editor and commenter, nothing personal in them; a new comment is
on the next load; a copy the client holds is answered with 304."""

import uuid

from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.web.helpers import opened, reader_of, site


def test_every_reader_gets_the_same_bytes_and_nothing_personal(stack: Stack) -> None:
    _, article = opened(stack)
    path = f"/articles/{article['slug']}"
    nic = f"Mine {uuid.uuid4().hex[:6]}"
    commenter = site(stack)
    sent = commenter.post(path, data={"csrf": "", "nic": nic, "body": "My words."},
                          headers={"Sec-Fetch-Site": "same-origin"})
    assert sent.status_code == 303 and "burg_commenter" in commenter.cookies
    editor = site(stack)
    editor.cookies.set("burg_editor", stack.editor_token)
    pages = [client.get(path) for client in (site(stack), site(stack), editor, commenter)]
    assert len({page.content for page in pages}) == 1
    assert len({page.headers["etag"] for page in pages}) == 1
    page = pages[0]
    assert page.headers["cache-control"] == "public, no-cache"
    assert "set-cookie" not in page.headers and "vary" not in page.headers
    assert 'name="csrf" value=""' in page.text and "You have commented" not in page.text
    assert "Edit</a>" not in page.text and "/hide" not in page.text
    # Each one's own parts are theirs alone, never cached.
    assert reader_of(pages[0])["csrf"] != reader_of(pages[1])["csrf"]
    assert reader_of(pages[0])["me"] is None and reader_of(pages[0])["editor"] is None
    assert reader_of(pages[2])["editor"]["edit"] == f"/editor/articles/{article['id']}"
    assert reader_of(pages[3])["me"]["comment_count"] == 1


def test_a_new_comment_is_on_the_next_load(stack: Stack) -> None:
    _, article = opened(stack)
    reader = site(stack)
    path = f"/articles/{article['slug']}"
    first = reader.get(path)
    comments = stack.client("comments")
    for n in range(3):  # each comment, posted past the site, is on the very next load
        words = f"Fresh {n} {uuid.uuid4().hex[:8]}"
        post(comments, article["id"], words)
        again = reader.get(path)
        assert words in again.text and again.headers["etag"] != first.headers["etag"]
        first = again
    # Posted through the site: the permalink lands on a page that has it.
    words = f"Through the site {uuid.uuid4().hex[:8]}"
    landed = site(stack, follow_redirects=True).post(
        path, data={"csrf": "", "nic": f"N {uuid.uuid4().hex[:6]}", "body": words},
        headers={"Sec-Fetch-Site": "same-origin"})
    assert landed.status_code == 200 and words in landed.text
    # An editor closing comments is on the next load too (the article changed, not the
    # thread; the comments service hears of it by its event, so wait for that).
    stack.editor().post(f"/articles/{article['id']}/close-comments").raise_for_status()
    wait_for(lambda: "Comments have been closed" in reader.get(path).text,
             what="the closed notice")


def test_a_copy_the_reader_holds_gets_304(stack: Stack) -> None:
    _, article = opened(stack)
    reader = site(stack)
    path = f"/articles/{article['slug']}"
    page = reader.get(path)
    etag = page.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    held = reader.get(path, headers={"If-None-Match": etag})
    assert held.status_code == 304 and held.content == b"" and held.headers["etag"] == etag
    assert reader.get(path, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    post(stack.client("comments"), article["id"], "Changed.")
    changed = reader.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Changed." in changed.text
