"""Links to comments in a thread longer than a page, through the whole stack: the permalink,
the form's redirect, the feed entry and the reply e-mail all open the page that holds the
comment; the pages link both ways; Reply keeps its page; a removed comment with replies is a
placeholder on the page."""

import html
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.web.apis import THREAD_PAGE
from tests.comments.helpers import moderator, nic, post
from tests.conftest import Stack, wait_for
from tests.web.helpers import csrf_of, opened, site

LONG = THREAD_PAGE + 30  # comments: the thread has two pages on the site


@dataclass
class LongThread:
    article: dict[str, Any]
    ids: list[int]  # in the order posted: every one a top-level comment but `late`
    late: int  # posted last, a reply to the first comment: it is shown on the first page
    subscriber: str  # the address of the author of ids[-1], who asked for reply e-mails


def browser(stack: Stack) -> httpx.Client:
    """A reader's browser: follows redirects, keeps cookies."""
    return site(stack, follow_redirects=True)


def anchors(page: httpx.Response) -> list[int]:
    return [int(i) for i in re.findall(r'id="comment-(\d+)"', page.text)]


def link(page: httpx.Response, rel: str) -> str | None:
    found = re.search(rf'<a rel="{rel}" href="([^"]+)"', page.text)
    return html.unescape(found.group(1)) if found else None


@pytest.fixture(scope="module")
def long_thread(stack: Stack) -> Iterator[LongThread]:
    _, article = opened(stack)
    comments = stack.client("comments")
    subscriber = f"long-{uuid.uuid4().hex[:8]}@example.org"
    ids = [post(comments, article["id"], f"Comment {n}")["comment"]["id"]
           for n in range(LONG - 1)]
    ids.append(post(comments, article["id"], "The last one", email=subscriber,
                    notify_replies=True)["comment"]["id"])
    late = post(comments, article["id"], "Late to the first", parent_id=ids[0])
    yield LongThread(article, ids, late["comment"]["id"], subscriber)


def test_the_permalink_of_a_comment_on_page_two_opens_page_two(
        stack: Stack, long_thread: LongThread) -> None:
    slug = long_thread.article["slug"]
    first = browser(stack).get(f"/articles/{slug}")
    assert long_thread.ids[-1] not in anchors(first)  # on the second page, not the first
    for comment_id in (long_thread.ids[-1], long_thread.ids[THREAD_PAGE], long_thread.late):
        hop = stack.client("site").get(f"/comments/{comment_id}")
        assert hop.status_code == 302, hop.text
        assert hop.headers["location"].startswith(f"/articles/{slug}")
        assert hop.headers["location"].endswith(f"#comment-{comment_id}")
        landed = browser(stack).get(f"/comments/{comment_id}")
        assert landed.status_code == 200 and comment_id in anchors(landed)
    # The late reply is shown under its parent on the first page, which it pushed one over.
    assert long_thread.late in anchors(first)
    assert len(anchors(first)) == THREAD_PAGE


def test_the_pages_of_a_long_thread_link_both_ways(
        stack: Stack, long_thread: LongThread) -> None:
    reader = browser(stack)
    first = reader.get(f"/articles/{long_thread.article['slug']}")
    assert link(first, "prev") is None
    later = link(first, "next")
    assert later is not None
    second = reader.get(f"/articles/{long_thread.article['slug']}{later}")
    assert link(second, "next") is None and long_thread.ids[-1] in anchors(second)
    assert set(anchors(first)).isdisjoint(anchors(second))
    assert len(anchors(first)) == THREAD_PAGE
    earlier = link(second, "prev")
    assert earlier is not None
    back = reader.get(f"/articles/{long_thread.article['slug']}{earlier}")
    assert anchors(back) == anchors(first)


def test_a_comment_posted_with_the_form_opens_the_page_that_holds_it(
        stack: Stack, long_thread: LongThread) -> None:
    reader = browser(stack)
    first = reader.get(f"/articles/{long_thread.article['slug']}")
    sent = stack.client("site", cookies=reader.cookies).post(
        f"/articles/{long_thread.article['slug']}/comments",
        data={"csrf": csrf_of(first), "nic": nic(), "body": "Posted at the end"})
    assert sent.status_code == 303, sent.text
    comment_id = int(re.findall(r"\d+", sent.headers["location"])[-1])
    landed = reader.get(sent.headers["location"])
    assert landed.status_code == 200 and comment_id in anchors(landed)
    assert comment_id not in anchors(first) and "Posted at the end" in landed.text
    assert sent.headers["location"] == f"/comments/{comment_id}"  # the permalink


def test_reply_keeps_the_page_of_the_comment_replied_to(
        stack: Stack, long_thread: LongThread) -> None:
    reader = browser(stack)
    cursor = stack.client("comments").get(f"/articles/{long_thread.article['id']}/comments",
                                          params={"limit": THREAD_PAGE}).json()["next_cursor"]
    second = reader.get(f"/articles/{long_thread.article['slug']}", params={"cursor": cursor})
    target = long_thread.ids[-2]
    reply_link = re.search(rf'id="comment-{target}".*?<a href="([^"]+)">Reply</a>',
                           second.text, re.S)
    assert reply_link is not None
    href = html.unescape(reply_link.group(1))
    assert "cursor=" in href and f"reply_to={target}" in href
    form = reader.get(f"/articles/{long_thread.article['slug']}{href}")
    assert target in anchors(form)  # the form opens beside the comment it answers
    assert f'name="parent_id" value="{target}"' in form.text
    sent = stack.client("site", cookies=reader.cookies).post(
        f"/articles/{long_thread.article['slug']}/comments",
        data={"csrf": csrf_of(form), "nic": nic(), "body": "A reply on page two",
              "parent_id": str(target)})
    assert sent.status_code == 303, sent.text
    landed = reader.get(sent.headers["location"])
    assert "A reply on page two" in landed.text and target in anchors(landed)


def test_a_refused_reply_comes_back_on_its_page_of_the_thread(
        stack: Stack, long_thread: LongThread) -> None:
    reader = browser(stack)
    target = long_thread.ids[-2]  # on the second page
    page = reader.get(f"/comments/{target}")
    form = reader.get(page.url.copy_with(fragment=None).copy_merge_params({"reply_to": target}))
    action = re.search(r'<form id="comment-form" method="post" action="([^"]+)"', form.text)
    assert action is not None
    action_url = html.unescape(action.group(1)).split("#")[0]
    assert "cursor=" in action_url  # the form says which page it came from
    refused = stack.client("site", cookies=reader.cookies).post(
        action_url, data={"csrf": csrf_of(form), "nic": nic(), "body": "   ",
                          "parent_id": str(target)})
    assert refused.status_code == 422, refused.text
    assert target in anchors(refused)  # the page of the comment answered, not page 1
    assert long_thread.ids[0] not in anchors(refused)


def test_the_feed_entry_links_to_the_permalink(stack: Stack, long_thread: LongThread) -> None:
    target = long_thread.ids[-1]

    def entry() -> dict[str, Any] | None:
        response = stack.client("feeds").get(
            f"/articles/{long_thread.article['id']}/comments.json")
        items = json.loads(response.content)["items"] if response.status_code == 200 else []
        return next((i for i in items if i["id"].endswith(f"comment-{target}")), None)

    url = wait_for(entry, what="the comment in its feed")["url"]
    assert url == f"{stack.urls['site']}/comments/{target}"
    assert target in anchors(httpx.get(url, follow_redirects=True))


def test_the_reply_email_links_to_the_permalink(stack: Stack, long_thread: LongThread) -> None:
    stack.confirm(long_thread.subscriber)
    reply = post(stack.client("comments"), long_thread.article["id"], "Answering the last",
                 parent_id=long_thread.ids[-1])["comment"]["id"]
    [mail] = wait_for(lambda: stack.replies_to(long_thread.subscriber), what="the reply e-mail")
    text = mail.get_body(preferencelist=("plain",)).get_content()
    url = f"{stack.urls['site']}/comments/{reply}"
    assert f"Read it on the site: {url}\n" in text
    assert reply in anchors(httpx.get(url, follow_redirects=True))


def test_a_removed_comment_with_replies_is_a_placeholder_on_the_page(stack: Stack) -> None:
    _, article = opened(stack)
    comments, editor = stack.client("comments"), moderator(stack)
    secret = nic()
    parent = post(comments, article["id"], "Words to take down", nic=secret)["comment"]
    reply = post(comments, article["id"], "Still here", parent_id=parent["id"])["comment"]
    lone = post(comments, article["id"], "Gone without a trace")["comment"]
    for comment in (parent, lone):
        editor.post(f"/comments/{comment['id']}/hide").raise_for_status()
    page = browser(stack).get(f"/articles/{article['slug']}")
    assert anchors(page) == [parent["id"], reply["id"]]
    placeholder = re.search(rf'<div class="comment removed depth-0" id="comment-{parent["id"]}">'
                            r'\s*<p class="text"><em>This comment was removed.</em></p>\s*</div>'
                            rf'\s*<div class="comment depth-1" id="comment-{reply["id"]}">',
                            page.text)
    assert placeholder is not None, page.text
    for private in ("Words to take down", secret, "Gone without a trace"):
        assert private not in page.text
    assert "1 comment<" in page.text  # the count is of the comments one can read
    # The placeholder's permalink opens it; a removed one with no reply is a plain 404 page.
    assert parent["id"] in anchors(browser(stack).get(f"/comments/{parent['id']}"))
    for missing in (str(lone["id"]), "2147483647", "99999999999", "x", "%C2%B2"):
        gone = browser(stack).get(f"/comments/{missing}")
        assert gone.status_code == 404 and "not on the site" in gone.text, missing


def test_a_page_emptied_since_its_link_was_made_leads_back(stack: Stack) -> None:
    _, article = opened(stack)
    comments = stack.client("comments")
    post(comments, article["id"], "Stays")
    last = post(comments, article["id"], "Goes")["comment"]
    cursor = comments.get(f"/articles/{article['id']}/comments",
                          params={"limit": 1}).json()["next_cursor"]
    moderator(stack).post(f"/comments/{last['id']}/hide").raise_for_status()
    page = browser(stack).get(f"/articles/{article['slug']}", params={"cursor": cursor})
    assert page.status_code == 200 and anchors(page) == []
    assert f'<a href="/articles/{article["slug"]}#comments">to the first comments</a>' in page.text
