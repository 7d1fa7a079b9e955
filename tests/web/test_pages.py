"""The web frontend over HTTP on a running Burg (no browser yet): the front page, a category
page with its feeds, an article page with its thread, and the comment form posted without
JavaScript."""

import asyncio
import re
import uuid

import httpx
import redis

from services.web.app import create_app
from services.web.settings import WebSettings
from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_article, new_category
from tests.web.helpers import csrf_of, opened, site


def test_front_and_category_pages_list_articles_and_name_their_feeds(stack: Stack) -> None:
    category, article = opened(stack)
    front = site(stack).get("/")
    assert front.status_code == 200 and front.headers["content-type"].startswith("text/html")
    assert article["title"] in front.text and f'href="/articles/{article["slug"]}"' in front.text
    assert f"/categories/{category['slug']}" in front.text
    page = site(stack).get(f"/categories/{category['slug']}")
    assert page.status_code == 200 and article["title"] in page.text
    for kind, fmt in (("rss+xml", "rss"), ("atom+xml", "atom"), ("feed+json", "json")):
        href = f"{stack.urls['feeds']}/feeds/categories/{category['slug']}.{fmt}"
        assert f'type="application/{kind}"' in page.text and href in page.text
        wait_for(lambda: httpx.get(href, timeout=10).status_code == 200,  # noqa: B023
                 what=f"the {fmt} feed")
    assert "0 comments" in page.text and "Posted by: Tester" in page.text


def test_an_article_page_shows_the_story_and_takes_a_comment_without_javascript(
        stack: Stack) -> None:
    _, article = opened(stack)
    browser = stack.client("site", follow_redirects=False)  # no reader.js: no /reader
    page = browser.get(f"/articles/{article['slug']}")
    assert page.status_code == 200
    assert '<em class="commentary">Our view.</em>' in page.text  # the editor's words set apart
    assert "The Courier" in page.text and "Posted by: Tester" in page.text
    assert 'name="body"' in page.text and '<label for="nic">Your Name</label>' in page.text
    assert 'name="csrf" value=""' in page.text  # the page every reader gets has no token
    nic = f"Web {uuid.uuid4().hex[:6]}"
    # The form as a browser without scripts sends it: no token, but the browser's word
    # that our own page sent it.
    sent = browser.post(f"/articles/{article['slug']}/comments", data={
        "csrf": "", "nic": nic, "body": "[b]Bold[/b] words", "homepage": ""},
        headers={"Sec-Fetch-Site": "same-origin"})
    assert sent.status_code == 303, sent.text
    assert re.fullmatch(r"/comments/\d+", sent.headers["location"])  # the permalink
    cookie = sent.headers["set-cookie"]
    assert "burg_commenter=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    again = browser.get(f"/articles/{article['slug']}")
    assert "<strong>Bold</strong> words" in again.text and nic in again.text
    mine = browser.get(f"/articles/{article['slug']}/reader").json()
    assert mine["me"] == {"original_nic": nic, "nics": [nic], "comment_count": 1,
                          "has_recovery_code": False}
    comment_id = sent.headers["location"].rsplit("/", 1)[1]
    assert f'id="comment-{comment_id}"' in again.text and f"?reply_to={comment_id}" in again.text


def test_a_request_id_goes_from_the_page_to_the_api_and_into_the_worker_logs(
        stack: Stack) -> None:
    _, article = opened(stack)
    browser = site(stack)
    page = browser.get(f"/articles/{article['slug']}")
    request_id = f"web-{uuid.uuid4().hex}"  # as the gateway would send it
    sent = browser.post(f"/articles/{article['slug']}/comments",
                        headers={"X-Request-ID": request_id}, data={
                            "csrf": csrf_of(page), "nic": f"Traced {uuid.uuid4().hex[:6]}",
                            "body": "Follow me.", "homepage": ""})
    assert sent.status_code == 303, sent.text
    assert sent.headers["x-request-id"] == request_id
    log = stack.data_dir / "devserver.log"
    line = wait_for(lambda: next((line for line in log.read_text().splitlines()
                                  if request_id in line and "comment.created" in line
                                  and "feeds-worker" in line), None),
                    what="a feeds worker line with the web request's id")
    assert "handled" in line
    # A page request without an id gets one of its own.
    assert re.fullmatch(r"[0-9a-f]{32}", browser.get("/").headers["x-request-id"])


def test_the_form_lets_a_commenter_follow_the_whole_thread(stack: Stack) -> None:
    _, article = opened(stack)
    browser = site(stack)
    page = browser.get(f"/articles/{article['slug']}")
    assert 'name="follow_thread"' in page.text
    address = f"follower-{uuid.uuid4().hex[:8]}@example.org"
    sent = browser.post(f"/articles/{article['slug']}/comments", data={
        "csrf": csrf_of(page), "nic": f"Follower {uuid.uuid4().hex[:6]}", "body": "Watching",
        "email": address, "follow_thread": "on"})
    assert sent.status_code == 303, sent.text
    stack.confirm(address)
    # Not a reply to the follower: a new comment anywhere in the thread.
    other = post(stack.client("comments"), article["id"], "A new voice")
    [mail] = wait_for(lambda: stack.replies_to(address), what="the thread e-mail")
    assert f"/comments/{other['comment']['id']}" in mail.get_body(("plain",)).get_content()


def test_a_refused_comment_keeps_its_text_and_says_why(stack: Stack) -> None:
    _, article = opened(stack)
    browser = site(stack)
    page = browser.get(f"/articles/{article['slug']}")
    owner = post(stack.client("comments"), article["id"], "Mine.")
    refused = browser.post(f"/articles/{article['slug']}/comments", data={
        "csrf": csrf_of(page), "nic": owner["comment"]["nic"], "body": "Kept <text> & all"})
    assert refused.status_code == 409
    assert "belongs to another commenter" in refused.text
    assert "Kept &lt;text&gt; &amp; all</textarea>" in refused.text  # kept, and escaped
    forged = browser.post(f"/articles/{article['slug']}/comments", data={
        "csrf": "forged", "nic": "N", "body": "x"})
    assert forged.status_code == 403 and "expired" in forged.text


def test_an_article_the_comments_service_has_not_heard_of_yet_is_a_page(
        stack: Stack, redis_url: str) -> None:
    # Right after publishing, the comments service may not have had the event yet (an editor
    # is sent straight to the new article): the page shows an empty thread, not a 404.
    _, article = opened(stack)
    stack.sql("comments", "DELETE FROM articlereplica WHERE article_id = :id", id=article["id"])
    redis.Redis.from_url(redis_url).incr(f"burg:comments:thread:{article['id']}")  # no old page
    browser = site(stack)
    page = browser.get(f"/articles/{article['slug']}")
    assert page.status_code == 200 and article["title"] in page.text
    assert "0 comments" in page.text and 'id="comment-form"' in page.text
    early = browser.post(f"/articles/{article['slug']}/comments", data={
        "csrf": csrf_of(page), "nic": "Early Bird", "body": "First, almost."})
    assert early.status_code == 404 and "takes no comments yet" in early.text
    assert "First, almost.</textarea>" in early.text  # the text is kept for a second try


def test_a_closed_article_says_so_instead_of_a_form(stack: Stack) -> None:
    _, article = opened(stack)
    browser = site(stack)
    open_page = browser.get(f"/articles/{article['slug']}")
    stack.editor().post(f"/articles/{article['id']}/close-comments").raise_for_status()
    wait_for(lambda: "Sorry. Comments have been closed on this article." in site(stack).get(
        f"/articles/{article['slug']}").text, what="the closed notice")
    # (The search box in the header is the one form left: it only reads.)
    assert 'method="post"' not in site(stack).get(f"/articles/{article['slug']}").text
    # A reader who was still writing when it closed gets the notice and keeps their text.
    late = browser.post(f"/articles/{article['slug']}/comments", data={
        "csrf": csrf_of(open_page), "nic": "Too Late", "body": "My <long> reply"})
    assert late.status_code == 403
    assert "Sorry. Comments have been closed on this article." in late.text
    assert "My &lt;long&gt; reply</textarea>" in late.text
    assert 'method="post"' not in late.text


def test_unknown_pages_are_a_plain_404(stack: Stack) -> None:
    for path in ("/articles/no-such-article", "/categories/no-such"):
        response = site(stack).get(path)
        assert response.status_code == 404 and "Sorry" in response.text
        assert "Traceback" not in response.text


def test_category_pages_are_paged_newest_first(stack: Stack) -> None:
    category = new_category(stack)
    titles = [new_article(stack, category["slug"], title=f"Paged {n:02d}")["title"]
              for n in range(23)]
    first = site(stack).get(f"/categories/{category['slug']}")
    shown = re.findall(r">(Paged \d\d)</a></h2>", first.text)
    assert shown == titles[::-1][:20]
    older = re.search(r'<a rel="next" href="([^"]+)">Older articles</a>', first.text)
    assert older is not None
    second = site(stack).get(f"/categories/{category['slug']}" + older.group(1).replace(
        "&amp;", "&"))
    assert re.findall(r">(Paged \d\d)</a></h2>", second.text) == titles[::-1][20:]
    assert "Older articles" not in second.text
    assert "Older articles" in site(stack).get("/").text  # the whole site has more than 20


def test_a_service_that_is_down_is_a_readable_page_not_a_traceback(stack: Stack) -> None:
    """A site of its own in this process, with the comments service's address pointing at
    nothing (the discard port: connections are refused)."""
    dead = "http://127.0.0.1:9"
    category, article = opened(stack)

    def pages(settings: WebSettings) -> list[httpx.Response]:
        async def get() -> list[httpx.Response]:
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)),
                                         base_url="http://site.test") as direct:
                return [await direct.get(path) for path in (
                    "/", f"/categories/{category['slug']}", f"/articles/{article['slug']}")]
        return asyncio.run(get())

    # Articles are still listed and readable; the comments say they cannot be shown.
    front, listed, story = pages(WebSettings(comments_url=dead, posts_url=stack.urls["posts"]))
    assert front.status_code == listed.status_code == story.status_code == 200
    assert article["title"] in listed.text and ">Comments</a>" in listed.text
    assert "What happened." in story.text and "cannot be shown right now" in story.text
    assert 'id="comment-form"' not in story.text
    # With the posts service gone too, a page says so plainly.
    for page in pages(WebSettings(comments_url=dead, posts_url=dead)):
        assert page.status_code == 502, page.text
        assert "trouble" in page.text and "Traceback" not in page.text
