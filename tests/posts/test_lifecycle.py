"""The article life cycle over HTTP, and how each step reaches feeds and comments."""

from datetime import datetime, timedelta

from tests.conftest import Stack, wait_for
from tests.posts.helpers import events_emitted, feed, new_article, new_category


def test_publishing_sets_published_at_once_and_emits_one_event(stack: Stack) -> None:
    category = new_category(stack)
    draft = new_article(stack, category["slug"], publish=False)
    assert draft["status"] == "draft" and draft["published_at"] is None
    editor = stack.editor()
    first = editor.post(f"/articles/{draft['id']}/publish").json()
    second = editor.post(f"/articles/{draft['id']}/publish").json()
    assert first["published_at"] == second["published_at"] is not None
    assert events_emitted(stack, "article.published", draft["id"]) == 1
    published = datetime.fromisoformat(first["published_at"])
    closes = datetime.fromisoformat(first["comments_close_at"])
    assert closes - published == timedelta(days=14)
    assert first["comments_open"] is True


def test_editing_a_published_article_updates_its_feed_entry_keeping_its_id(stack: Stack) -> None:
    category = new_category(stack)
    article = new_article(stack, category["slug"], title="First title")
    path = f"categories/{category['slug']}.atom"
    before = wait_for(lambda: (f := feed(stack, path)) and f.entries and f, what="the entry")
    edited = stack.editor().patch(f"/articles/{article['id']}", json={
        "title": "Second title", "body": "[quote]News.[/quote] [ed]Our view.[/ed]"}).json()
    assert edited["slug"] == article["slug"]  # links never break
    assert edited["published_at"] == article["published_at"]
    assert '<em class="commentary">Our view.</em>' in edited["body_html"]
    after = wait_for(lambda: (f := feed(stack, path)) and f.entries[0].title == "Second title"
                     and f, what="the edited entry")
    assert after.entries[0].id == before.entries[0].id
    assert events_emitted(stack, "article.updated", article["id"]) == 1
    # An edit that changes nothing tells nobody.
    stack.editor().patch(f"/articles/{article['id']}", json={"title": "Second title"})
    assert events_emitted(stack, "article.updated", article["id"]) == 1


def test_moving_an_article_to_another_category_moves_its_feed_entry(stack: Stack) -> None:
    old, new = new_category(stack), new_category(stack)
    article = new_article(stack, old["slug"])
    wait_for(lambda: (f := feed(stack, f"categories/{old['slug']}.rss")) and f.entries,
             what="the entry in the old category")
    stack.editor().patch(f"/articles/{article['id']}", json={"category": new["slug"]})
    wait_for(lambda: (f := feed(stack, f"categories/{new['slug']}.rss")) and f.entries,
             what="the entry in the new category")
    # Feeds may be served up to 0.1 s old (each API process keeps what it read that long).
    wait_for(lambda: (rss := feed(stack, f"categories/{old['slug']}.rss")) is not None
             and rss.entries == [],
             what="the entry to leave the old category")


def test_retraction_removes_the_article_from_reads_feeds_and_comments(stack: Stack) -> None:
    category = new_category(stack)
    article = new_article(stack, category["slug"])
    comments = stack.client("comments")
    thread = f"/articles/{article['id']}/comments"
    wait_for(lambda: comments.get(thread).status_code == 200, what="comments to open")
    editor = stack.editor()
    retracted = editor.post(f"/articles/{article['id']}/retract").json()
    assert retracted["status"] == "retracted"
    assert editor.post(f"/articles/{article['id']}/retract").status_code == 200  # idempotent
    assert events_emitted(stack, "article.retracted", article["id"]) == 1
    posts = stack.client("posts")
    assert posts.get(f"/articles/{article['slug']}").status_code == 410
    listed = posts.get("/articles", params={"category": category["slug"]}).json()["data"]
    assert listed == []
    wait_for(lambda: comments.get(thread).status_code == 404, what="the thread to go")
    # The category's feed may not be rendered yet (None): wait for it, then for it to be empty.
    wait_for(lambda: (rss := feed(stack, f"categories/{category['slug']}.rss")) is not None
             and rss.entries == [],
             what="the entry to leave the feed")
    wait_for(lambda: article["url"] not in stack.client("feeds").get("/site.rss").text,
             what="the entry to leave the site feed")
    edit = editor.patch(f"/articles/{article['id']}", json={"title": "Back"})
    assert edit.status_code == 409
    assert editor.post(f"/articles/{article['id']}/publish").status_code == 409
    assert editor.get(f"/articles/by-id/{article['id']}").json()["title"] == article["title"]


def test_a_draft_cannot_be_retracted_or_have_its_comments_closed(stack: Stack) -> None:
    draft = new_article(stack, new_category(stack)["slug"], publish=False)
    editor = stack.editor()
    assert editor.post(f"/articles/{draft['id']}/retract").status_code == 409
    assert editor.post(f"/articles/{draft['id']}/close-comments").status_code == 409
    assert stack.client("posts").get(f"/articles/{draft['slug']}").status_code == 404


def test_editor_closes_and_reopens_comments_and_the_comments_service_enforces_it(
        stack: Stack) -> None:
    article = new_article(stack, new_category(stack)["slug"])
    comments = stack.client("comments")
    thread = f"/articles/{article['id']}/comments"
    wait_for(lambda: comments.get(thread).status_code == 200, what="comments to open")
    editor = stack.editor()
    closed = editor.post(f"/articles/{article['id']}/close-comments").json()
    assert closed["comments_open"] is False
    wait_for(lambda: comments.get(thread).json()["open"] is False, what="the thread to close")
    refused = comments.post(thread, json={"nic": "Late Larry", "body": "Wait for me"})
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Comments have been closed on this article."
    reopened = editor.post(f"/articles/{article['id']}/reopen-comments").json()
    assert reopened["comments_open"] is True
    wait_for(lambda: comments.get(thread).json()["open"] is True, what="the thread to reopen")
    assert comments.post(thread, json={"nic": "Late Larry", "body": "Made it"}).status_code == 201
    assert comments.get(thread).json()["count"] == 1
