"""The site's lists and ways around, over HTTP on a running Burg: the front page with whole
articles (or teasers, as a setting), numbered pages, an article's previous and next links, the
archive by date, and a retracted article's 410 page."""

import asyncio
import re
from datetime import UTC, datetime

import httpx

from services.web.app import create_app
from services.web.settings import WebSettings
from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_article, new_category
from tests.posts.inprocess import published_at
from tests.web.helpers import opened, site


def _no_page(answer: httpx.Response) -> None:
    assert answer.status_code == 404, answer.text
    assert "There is no such page." in answer.text and "Traceback" not in answer.text


def test_the_front_page_shows_articles_whole_and_a_setting_keeps_teasers(stack: Stack) -> None:
    category, article = opened(stack)
    front = site(stack).get("/")
    story = front.text.split(f'id="article-{article["id"]}"')[1].split("</article>")[0]
    assert category["name"] in story and article["title"] in story
    assert '<em class="commentary">Our view.</em>' in story and "What happened." in story
    assert "The Courier" in story and "Posted by: Tester" in story
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>", story)
    assert f'href="/articles/{article["slug"]}#comments">0 comments</a>' in story

    async def teasers() -> httpx.Response:
        settings = WebSettings(posts_url=stack.urls["posts"], comments_url=stack.urls["comments"],
                               front_teasers=True)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings)),
                                     base_url="http://site.test") as direct:
            return await direct.get("/")
    teased = asyncio.run(teasers())
    assert teased.status_code == 200 and article["title"] in teased.text
    assert 'class="teaser"' in teased.text and 'class="commentary"' not in teased.text


def test_lists_have_numbered_pages_and_old_cursor_links_still_work(stack: Stack) -> None:
    category = new_category(stack)
    articles = [new_article(stack, category["slug"], title=f"Numbered {n:02d}")
                for n in range(23)]
    titles = [article["title"] for article in articles]
    # The comment counts the page shows change once the comments service has learnt of each
    # article: the page compared for a 304 below is the one after that.
    comments = stack.client("comments")
    wait_for(lambda: all(comments.get(f"/articles/{a['id']}/comments").status_code == 200
                         for a in articles), what="the comments service to know the articles")
    here = f"/categories/{category['slug']}"
    first = site(stack).get(here)
    assert 'aria-current="page">1</strong>' in first.text and "of 2</span>" in first.text
    assert "Newer articles" not in first.text
    second = site(stack).get(here, params={"page": 2})
    assert re.findall(r">(Numbered \d\d)</a></h2>", second.text) == titles[::-1][20:]
    assert f'<a rel="prev" href="{here}">Newer articles</a>' in second.text
    assert "Older articles" not in second.text
    for bad in ("3", "0", "-1", "abc", "99999999999999999999", "1e3", "²"):
        _no_page(site(stack).get(here, params={"page": bad}))
    _no_page(site(stack).get("/", params={"page": "0"}))
    # The cursor links handed out before pages had numbers lead where they did.
    cursor = stack.client("posts").get("/articles", params={
        "category": category["slug"], "limit": 20}).json()["next_cursor"]
    old = site(stack).get(here, params={"cursor": cursor})
    assert re.findall(r">(Numbered \d\d)</a></h2>", old.text) == titles[::-1][20:]
    assert "<!--burg:sidebar-->" not in old.text and "<h2>Recent comments</h2>" in old.text
    # The same bytes for everyone: a strong ETag, and a 304 for a copy that is current.
    again = site(stack).get(here, headers={"If-None-Match": first.headers["etag"]})
    assert first.headers["cache-control"] == "public, no-cache"
    assert again.status_code == 304


def test_an_article_links_to_the_previous_and_next_one(stack: Stack) -> None:
    category = new_category(stack)
    older, middle, newer = (new_article(stack, category["slug"], title=f"Neighbour {n}")
                            for n in range(3))
    page = site(stack).get(f"/articles/{middle['slug']}").text
    nav = page.split('class="neighbours"')[1].split("</nav>")[0]
    assert f'class="older-article" href="/articles/{older["slug"]}">« Previous: Neighbour 0' in nav
    assert f'class="newer-article" href="/articles/{newer["slug"]}">Next: Neighbour 2 »' in nav
    assert f"In {category['name']}: " in nav
    # The newest article learns of its new neighbour (its page is rendered again).
    newest = new_article(stack, category["slug"], title="Neighbour 3")
    assert f'href="/articles/{newest["slug"]}"' in site(stack).get(
        f"/articles/{newer['slug']}").text


def test_the_archive_lists_a_year_a_month_and_a_day(stack: Stack) -> None:
    category = new_category(stack)
    moments = (datetime(2019, 3, 14, 10, tzinfo=UTC), datetime(2019, 3, 14, 12, tzinfo=UTC),
               datetime(2019, 5, 1, 9, tzinfo=UTC))
    for n, moment in enumerate(moments):
        article = new_article(stack, category["slug"], title=f"Archived {n}")
        published_at(stack.databases["posts"], article["id"], moment)
    year = site(stack).get("/archive/2019/")
    assert year.status_code == 200 and "Archive: 2019" in year.text
    assert '<a href="/archive/2019/03/">March</a> (2)' in year.text
    assert '<a href="/archive/2019/05/">May</a> (1)' in year.text and "April (0)" in year.text
    assert year.headers["cache-control"] == "public, no-cache"
    assert site(stack).get("/archive/2019/", headers={
        "If-None-Match": year.headers["etag"]}).status_code == 304
    day = site(stack).get("/archive/2019/03/14/")
    assert re.findall(r">(Archived \d)</a>", day.text) == ["Archived 1", "Archived 0"]
    assert "2019-03-14 12:00 UTC" in day.text
    assert 'class="newer-period" href="/archive/2019/05/01/">1 May 2019 »' in day.text
    assert 'title="2 articles">14</a>' not in day.text  # the day shown is not a link
    assert '<strong aria-current="page">14</strong>' in day.text
    month = site(stack).get("/archive/2019/05/")
    assert 'class="older-period" href="/archive/2019/03/">« March 2019' in month.text
    assert '<a href="/archive/2019/05/01/" title="1 article">1</a>' in month.text
    moved = site(stack).get("/archive/2019")
    assert moved.status_code in (307, 308) and moved.headers["location"].endswith(
        "/archive/2019/")
    assert site(stack).get("/archive/").headers["location"] == (
        f"/archive/{datetime.now(UTC).year}/")
    for bad in ("2019/13/", "2019/02/30/", "0000/", "abcd/", "2019/3/", "2019/03/14/?page=2",
                "2019/?page=0", "2019/03/1x/", "12019/"):
        _no_page(site(stack).get(f"/archive/{bad}"))


def test_a_retracted_article_is_a_410_page_saying_when(stack: Stack) -> None:
    _, article = opened(stack)
    reader = site(stack)
    assert reader.get(f"/articles/{article['slug']}").status_code == 200  # kept as bytes
    retracted = stack.editor().post(f"/articles/{article['id']}/retract").json()
    # The page's next check finds it gone (BURG_WEB_PAGE_FRESH_SECONDS is 0 here).
    def gone_page() -> httpx.Response | None:
        answer = reader.get(f"/articles/{article['slug']}")
        return answer if answer.status_code == 410 else None
    gone = wait_for(gone_page, what="the 410 page")
    assert "This article was retracted" in gone.text and "no such page" not in gone.text
    assert f"{retracted['updated_at'][:16].replace('T', ' ')} UTC" in gone.text
    assert article["title"] not in gone.text
    # Not from kept bytes either, for a reader without If-None-Match or with an old ETag.
    assert reader.get(f"/articles/{article['slug']}", headers={
        "If-None-Match": '"x"'}).status_code == 410
