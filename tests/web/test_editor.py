"""The editors' pages over HTTP, and in the browser: sign in with the token, write, preview,
publish (the article shows on its category page and in its feed), close comments, retract,
hide and restore a comment."""

import re
import uuid

import httpx
from playwright.sync_api import Browser

from tests.comments.helpers import open_article, post
from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_category
from tests.web.helpers import csrf_of, reader_of, shot, signed_in


def test_an_editor_writes_previews_publishes_closes_and_retracts(stack: Stack) -> None:
    category = new_category(stack)
    desk = signed_in(stack)
    form = desk.get("/editor")
    assert "New article" in form.text and category["name"] in form.text
    title = f"Desk {uuid.uuid4().hex[:6]}"
    fields = {"csrf": csrf_of(form), "title": title, "category": category["slug"],
              "source_name": "The Courier", "body": "[quote]News.[/quote]\n\n[ed]Quite.[/ed]"}
    preview = desk.post("/editor/articles", data=fields | {"action": "preview"})
    assert '<em class="commentary">Quite.</em>' in preview.text
    published = desk.post("/editor/articles", data=fields | {"action": "publish"})
    assert published.status_code == 303
    slug = published.headers["location"].removeprefix("/articles/")
    page = desk.get(published.headers["location"])
    # The page is every reader's; the Edit link is among the editor's own parts.
    assert title in page.text and "Edit</a>" not in page.text
    edit_link = reader_of(page)["editor"]["edit"]
    assert title in desk.get(f"/categories/{category['slug']}").text
    wait_for(lambda: title in httpx.get(
        f"{stack.urls['feeds']}/feeds/categories/{category['slug']}.rss", timeout=10).text,
        what="the article in its feed")

    article_id = edit_link.removeprefix("/editor/articles/")
    edit = desk.get(f"/editor/articles/{article_id}")
    closed = desk.post(f"/editor/articles/{article_id}",
                       data={"csrf": csrf_of(edit), "title": title, "category": category["slug"],
                             "body": fields["body"], "action": "close"})
    assert closed.status_code == 303
    wait_for(lambda: "Comments have been closed" in desk.get(f"/articles/{slug}").text,
             what="the closed notice")
    same = {"csrf": csrf_of(edit), "category": category["slug"], "body": fields["body"]}
    reopened = desk.post(f"/editor/articles/{article_id}",
                         data=same | {"title": title, "action": "reopen"})
    assert reopened.status_code == 303
    wait_for(lambda: 'id="comment-form"' in desk.get(f"/articles/{slug}").text,
             what="the comment form back")
    title = f"{title} (updated)"
    saved = desk.post(f"/editor/articles/{article_id}", data=same | {"title": title})
    assert saved.status_code == 303 and title in desk.get(f"/articles/{slug}").text
    # Retracting asks first: the button is a link to a page that says what it does.
    asked = desk.get(f"/editor/articles/{article_id}/retract")
    assert "cannot be undone" in asked.text and "410" in asked.text
    retracted = desk.post(f"/editor/articles/{article_id}/retract",
                          data={"csrf": csrf_of(asked)})
    assert retracted.status_code == 303
    assert desk.get(f"/articles/{slug}").status_code == 410  # the page says it was retracted
    # An edit the posts service refuses keeps the editor on this article's form (a new
    # draft would be made by sending it again otherwise).
    refused = desk.post(f"/editor/articles/{article_id}", data=same | {"title": "Too late"})
    assert refused.status_code == 409
    assert f'action="/editor/articles/{article_id}#article-form"' in refused.text
    assert "This article was retracted: it cannot be changed" in refused.text
    assert 'value="Too late"' in refused.text


def test_an_editor_hides_and_restores_a_comment_from_the_article_page(stack: Stack) -> None:
    category = new_category(stack)
    desk = signed_in(stack)
    form = desk.get("/editor")
    published = desk.post("/editor/articles", data={
        "csrf": csrf_of(form), "title": f"Hide {uuid.uuid4().hex[:6]}",
        "category": category["slug"], "body": "Text.", "action": "publish"})
    slug = published.headers["location"].removeprefix("/articles/")
    article = stack.client("posts").get(f"/articles/{slug}").json()
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the article in comments")
    spam = post(comments, article["id"], "Buy things.")
    page = desk.get(f"/articles/{slug}")
    hidden = desk.post(f"/editor/comments/{spam['comment']['id']}/hide",
                       data={"csrf": csrf_of(page), "back": f"/articles/{slug}#comments"})
    assert hidden.status_code == 303
    reader = stack.client("site")
    assert "Buy things." not in reader.get(f"/articles/{slug}").text
    # The editor still sees it, set apart, with the button that brings it back.
    page = desk.get(f"/articles/{slug}")
    assert "Buy things." not in page.text
    held = reader_of(page)["editor"]["held_back"]
    assert "Buy things." in held and f"/editor/comments/{spam['comment']['id']}/restore" in held
    restored = desk.post(f"/editor/comments/{spam['comment']['id']}/restore",
                         data={"csrf": csrf_of(page), "back": f"/articles/{slug}#comments"})
    assert restored.status_code == 303
    assert "Buy things." in reader.get(f"/articles/{slug}").text
    assert reader_of(desk.get(f"/articles/{slug}"))["editor"]["held_back"] == ""


def test_a_cookie_the_desk_refuses_moderates_nothing_and_leads_to_sign_in(
        stack: Stack) -> None:
    """Every editor route asks the posts API who the cookie's token is, moderation too."""
    article = open_article(stack)
    spam = post(stack.client("comments"), article, "Still here.")
    visitor = stack.client("site", follow_redirects=False)
    page = visitor.get("/editor")  # a CSRF token for this visitor, not signed in
    visitor.cookies.set("burg_editor", "not-an-editor-token")
    for path in (f"/editor/comments/{spam['comment']['id']}/hide", "/editor/articles"):
        refused = visitor.post(path, data={"csrf": csrf_of(page), "back": "/", "title": "T"})
        assert refused.status_code == 303 and refused.headers["location"] == "/editor", path
    assert visitor.get("/editor/articles/1").headers["location"] == "/editor"
    thread = stack.client("comments").get(f"/articles/{article}/comments").json()
    assert "Still here." in str(thread)


def test_the_editor_pages_refuse_a_forged_form(stack: Stack) -> None:
    desk = stack.client("site", follow_redirects=False)
    refused = desk.post("/editor/sign-in", data={"csrf": "forged", "token": stack.editor_token})
    assert refused.status_code == 403 and "burg_editor" not in refused.headers.get(
        "set-cookie", "")


def test_an_editor_publishes_in_the_browser(stack: Stack, browser: Browser) -> None:
    category = new_category(stack)
    page = browser.new_page()
    site = stack.urls["site"]
    page.goto(f"{site}/editor")
    page.fill("#token", stack.editor_token)
    page.click("button:text('Sign in')")
    page.click("a:text('New article')")  # from the desk's list of articles
    page.wait_for_selector("#article-form")
    title = f"Browser desk {uuid.uuid4().hex[:6]}"
    page.fill("#title", title)
    page.select_option("#category", category["slug"])
    page.fill("#body", "[quote]It happened.[/quote]\n\n[ed]We saw it coming.[/ed]")
    shot(page, "editor-write")
    page.click("button:text('Publish')")
    page.wait_for_url(re.compile(r".*/articles/.+"))
    assert title in page.content()
    page.goto(f"{site}/categories/{category['slug']}")
    assert title in page.content()
    shot(page, "category")
    wait_for(lambda: title in httpx.get(
        f"{stack.urls['feeds']}/feeds/categories/{category['slug']}.rss", timeout=10).text,
        what="the article in its feed")
