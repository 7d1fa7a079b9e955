"""The thin path through all four services, over HTTP and real queues: an editor publishes,
the category feed shows the article, readers comment, and the first gets a reply e-mail."""

import io
import uuid

import feedparser
import httpx

from shared.celery_app import make_celery
from shared.settings import Settings
from tests.conftest import Stack, wait_for
from tests.databases import as_json


def publish(stack: Stack, category: str, title: str) -> dict:
    editor = stack.editor()
    editor.post("/categories", json={"name": category})
    slug = editor.get("/categories").json()
    slug = next(c["slug"] for c in slug if c["name"] == category)
    article = editor.post("/articles", json={
        "title": title, "category": slug, "source_name": "The Courier",
        "source_url": "https://example.org/courier/1", "source_note": "Excerpted.",
        "body": "[The Courier] Something happened.\n\nEditor: and we have thoughts.",
    }).raise_for_status().json()
    return editor.post(f"/articles/{article['id']}/publish").raise_for_status().json()


def parsed_feed(stack: Stack, path: str) -> feedparser.FeedParserDict | None:
    response = stack.client("feeds").get(path)
    if response.status_code != 200:
        return None
    return feedparser.parse(io.BytesIO(response.content), sanitize_html=False,
                            resolve_relative_uris=False)


def mails_to(stack: Stack, address: str) -> list:
    return stack.replies_to(address)


def test_published_article_reaches_the_category_feed_and_opens_comments(stack: Stack) -> None:
    article = publish(stack, "Far Abroad", "Harbour reopens after the storm")
    slug = article["category"]["slug"]

    def feed_with_article() -> feedparser.FeedParserDict | None:
        feed = parsed_feed(stack, f"categories/{slug}.rss")
        return feed if feed and feed.entries else None

    rss = wait_for(feed_with_article, what="the article in the RSS feed")
    assert not rss.bozo
    assert rss.feed.title.endswith("Far Abroad")
    [entry] = rss.entries
    assert entry.title == "Harbour reopens after the storm"
    assert entry.link == article["url"]
    assert entry.id.endswith(f"article-{article['id']}")
    atom = parsed_feed(stack, f"categories/{slug}.atom")
    assert atom is not None and not atom.bozo
    assert [e.title for e in atom.entries] == ["Harbour reopens after the storm"]
    assert atom.entries[0].id == entry.id

    comments = stack.client("comments")

    def thread_of_article() -> dict | None:
        response = comments.get(f"/articles/{article['id']}/comments")
        return response.json() if response.status_code == 200 else None

    thread = wait_for(thread_of_article, what="the comments service to learn of the article")
    assert thread["article_id"] == article["id"]
    assert thread["open"] is True
    assert (thread["count"], thread["comments"]) == (0, [])


def test_reply_sends_one_email_to_the_first_commenter(stack: Stack) -> None:
    article = publish(stack, "Home Front", "Ferry line returns after repairs")
    comments = stack.client("comments")
    url = f"/articles/{article['id']}/comments"
    wait_for(lambda: comments.get(url).status_code == 200, what="the article in comments")
    address = f"first-{uuid.uuid4().hex[:8]}@example.org"
    first = comments.post(url, json={"nic": f"Frank {address[6:14]}", "email": address,
                                     "notify_replies": True, "body": "About time."})
    assert first.status_code == 201, first.text
    assert first.json()["commenter_token"]
    assert address not in first.text  # e-mail addresses never come back out
    stack.confirm(address)
    reply = comments.post(url, json={"nic": f"Proc {address[6:14]}", "body": "Agreed!",
                                     "parent_id": first.json()["comment"]["id"]}).json()

    [mail] = wait_for(lambda: mails_to(stack, address), what="the reply e-mail")
    assert "Ferry line returns after repairs" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{stack.urls['site']}/comments/{reply['comment']['id']}" in text
    assert "Agreed!" in text
    assert mail["Auto-Submitted"] == "auto-generated"

    thread = comments.get(url).json()
    assert [c["depth"] for c in thread["comments"]] == [0, 1]
    assert address not in comments.get(url).text
    # No process logged the address: not the APIs, not the workers, not the mail sink.
    assert address not in (stack.data_dir / "devserver.log").read_text()


def test_redelivered_reply_event_sends_no_second_email(stack: Stack) -> None:
    """The same comment.created delivered twice more to notify: still one e-mail."""
    article = publish(stack, "Home Front", "Library extends opening hours")
    comments = stack.client("comments")
    url = f"/articles/{article['id']}/comments"
    wait_for(lambda: comments.get(url).status_code == 200, what="the article in comments")
    address = f"twice-{uuid.uuid4().hex[:8]}@example.org"
    first = comments.post(url, json={"nic": f"Twice {address[6:14]}", "email": address,
                                     "notify_replies": True, "body": "Good."}).json()
    stack.confirm(address)
    reply_to = first["comment"]["id"]
    reply = comments.post(url, json={"nic": f"Other {address[6:14]}", "body": "Yes.",
                                     "parent_id": reply_to}).json()
    wait_for(lambda: mails_to(stack, address), what="the first reply e-mail")

    # Take the event exactly as it was sent from the comments service's outbox...
    rows = stack.sql("comments", "SELECT envelope FROM outbox WHERE type = 'comment.created'")
    envelope = next(e for (raw,) in rows if (e := as_json(raw))["data"]["comment_id"]
                    == reply["comment"]["id"])
    # ...and deliver it twice more, as a redelivery would.
    celery = make_celery("notify", Settings(), stack.env["BURG_REDIS_URL"])
    for _ in range(2):
        celery.send_task("notify.handle_event", args=[envelope], queue="notify")
    # A later reply's e-mail arriving means the queue (FIFO, one worker) got past the copies.
    comments.post(url, json={"nic": f"Other {address[6:14]}", "body": "Still yes.",
                             "parent_id": reply_to},
                  headers={"X-Commenter-Token": reply["commenter_token"]}).raise_for_status()
    wait_for(lambda: len(mails_to(stack, address)) >= 2, what="the second reply's e-mail")
    assert len(mails_to(stack, address)) == 2
    assert len({m["Message-ID"] for m in mails_to(stack, address)}) == 2


def test_service_apis_answer_health_checks(stack: Stack) -> None:
    for url in stack.urls.values():
        assert httpx.get(f"{url}/healthz").json() == {"status": "ok"}
