"""The site's comment numbers, edited marks, nic pages and the sidebar of newest comments,
on the session's whole stack: every comment shows its number (a link to its permalink) and
its nic (a link to the nic's page); an edited one says when; a nic's page is the same for
every spelling that compares equal; the sidebar is on every page, and a removed comment leaves
it and the nic's page at once. In a site of this process on a clock of the test's: within the
freshness window a page with the sidebar costs the comments API nothing."""

import asyncio
import html
import re
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx

from services.web.app import create_app
from services.web.settings import WebSettings
from tests.comments.helpers import moderator, post
from tests.conftest import Stack, wait_for
from tests.web.helpers import opened, site


def unique_nic() -> str:
    return f"Zoë/Ünï {uuid.uuid4().hex[:6]}"  # Unicode, a slash, a space


def test_a_thread_shows_numbers_nic_links_and_the_edited_mark(stack: Stack) -> None:
    _, article = opened(stack)
    comments, nic = stack.client("comments"), unique_nic()
    first = post(comments, article["id"], "First words.", nic=nic)
    token = first["commenter_token"]
    second = post(comments, article["id"], "Second words.", token=token, nic=nic)
    edited = comments.patch(f"/comments/{second['comment']['id']}", json={"body": "Better."},
                            headers={"X-Commenter-Token": token})
    assert edited.status_code == 200, edited.text
    client = site(stack)
    page = wait_for(lambda: (p := client.get(f"/articles/{article['slug']}"))
                    and "Better." in p.text and p, what="the edit on the page")
    for number, comment in ((1, first), (2, second)):
        assert (f'<a class="number" href="/comments/{comment["comment"]["id"]}" '
                f'rel="bookmark" title="Link to this comment">#{number}</a>') in page.text
    assert f'href="/nics/{quote(nic, safe="")}"' in page.text
    marks = re.findall(r'<span class="edited">edited <time datetime="([^"]+)">', page.text)
    assert marks == [edited.json()["edited_at"]]
    permalink = client.get(f"/comments/{second['comment']['id']}")
    assert permalink.status_code == 302
    assert permalink.headers["location"].endswith(f"#comment-{second['comment']['id']}")


def test_a_nic_s_page_and_the_sidebar_drop_a_removed_comment_at_once(stack: Stack) -> None:
    _, article = opened(stack)
    comments, nic = stack.client("comments"), unique_nic()
    kept = post(comments, article["id"], "Kept words.", nic=nic)
    gone = post(comments, article["id"], "Doomed words.", token=kept["commenter_token"],
                nic=nic.upper())
    client = site(stack)
    nic_page = client.get(f"/nics/{quote(nic.upper(), safe='')}")
    assert nic_page.status_code == 200
    text = html.unescape(nic_page.text)
    assert "Doomed words." in text and "Kept words." in text and "2 comments" in text
    assert text.index("Doomed words.") < text.index("Kept words.")  # newest first
    assert article["title"] in text and "commenting since" in text
    # The sidebar, on the front page, an article page and the nic page.
    for path in ("/", f"/articles/{article['slug']}", f"/nics/{quote(nic, safe='')}",
                 "/recent"):
        wait_for(lambda path=path: f'href="/comments/{gone["comment"]["id"]}"'
                 in _sidebar(client.get(path).text), what=f"the comment in {path}'s sidebar")
    assert moderator(stack).delete(f"/comments/{gone['comment']['id']}").status_code == 204
    # Within the site's freshness window (a second): no waiting on events, no sleeping.
    for path in ("/", f"/articles/{article['slug']}", f"/nics/{quote(nic, safe='')}"):
        wait_for(lambda path=path: f'/comments/{gone["comment"]["id"]}"'
                 not in _sidebar(client.get(path).text), timeout=5,
                 what=f"the removed comment out of {path}'s sidebar")
    after = html.unescape(client.get(f"/nics/{quote(nic.lower(), safe='')}").text)
    assert "Doomed words." not in after and "1 comment" in after


def test_unknown_and_bad_nics_are_a_404_page(stack: Stack) -> None:
    client = site(stack)
    for path in ("/nics/nobody-ever-" + uuid.uuid4().hex[:8], "/nics/" + "x" * 41,
                 "/nics/a%09b"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "No one comments under this nic." in response.text
    assert client.get("/nics/a%0Ab").status_code == 404  # no route takes a line break
    assert client.get("/recent?page=0").status_code in (400, 422)
    assert client.get("/nics/x?page=abc").status_code == 400


def test_within_the_window_a_page_with_the_sidebar_costs_the_api_nothing(
        stack: Stack, tmp_path: Path) -> None:
    _, article = opened(stack)
    comment = post(stack.client("comments"), article["id"])["comment"]
    counted = f'href="/comments/{comment["id"]}"'
    settings = WebSettings(data_dir=tmp_path, site_url="http://site.test",
                           posts_url=stack.urls["posts"], comments_url=stack.urls["comments"],
                           notify_url=stack.urls["notify"], feeds_url=stack.urls["feeds"],
                           page_fresh_seconds=1.0)
    app = create_app(settings)
    sidebar, pages = app.state.site.sidebar, app.state.site.article_pages
    now = [1000.0]
    sidebar.clock = pages.clock = lambda: now[0]

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://site.test") as client:
            first = await client.get(f"/articles/{article['slug']}")
            assert counted in _sidebar(first.text)
            checks = sidebar.checks
            for path in [f"/articles/{article['slug']}", "/recent"] * 10:
                assert counted in _sidebar((await client.get(path)).text)
            assert sidebar.checks == checks  # no call for the sidebar within the window
            now[0] += 1.5
            await client.get(f"/articles/{article['slug']}")
            assert sidebar.checks == checks + 1  # one check (a 304) once it passed

    asyncio.run(run())


def _sidebar(page: str) -> str:
    match = re.search(r'<aside class="sidebar".*?</aside>', page, re.S)
    assert match, "no sidebar on the page"
    return match.group(0)
