"""Getting around the site in a real browser (Chromium, headless): the front page with whole
articles, a numbered page, the previous and next links of an article, the archive by date
down to a day, and a retracted article's page. Screenshots go with the others under
test-artifacts/screenshots/."""

from datetime import UTC, datetime

from playwright.sync_api import Browser

from tests.conftest import Stack
from tests.posts.helpers import new_article, new_category
from tests.posts.inprocess import published_at
from tests.web.helpers import shot


def test_a_reader_gets_around_by_pages_neighbours_and_dates(stack: Stack,
                                                            browser: Browser) -> None:
    site = stack.urls["site"]
    category = new_category(stack)
    articles = [new_article(stack, category["slug"], title=f"Around {n:02d}", source_name="Wire",
                            source_note="Direct translation, edited.",
                            body=f"[quote]Item {n}. [ed]Quite.[/ed][/quote]")
                for n in range(22)]
    reader = browser.new_page()
    reader.goto(site + "/")
    newest = reader.locator(f"#article-{articles[-1]['id']}")
    assert newest.locator("em.commentary").inner_text() == "Quite."
    assert "Direct translation, edited." in newest.inner_text()
    assert "Posted by: Tester" in newest.inner_text() and "UTC" in newest.inner_text()
    shot(reader, "front-whole")

    reader.goto(f"{site}/categories/{category['slug']}")
    reader.click(".list-pages a[rel=next]")
    reader.wait_for_url("**?page=2")
    assert reader.locator("article h2").all_inner_texts() == ["Around 01", "Around 00"]
    assert reader.locator(".list-pages [aria-current=page]").inner_text() == "2"
    shot(reader, "category-page-2")

    reader.click("text=Around 01")
    reader.wait_for_url(f"**/articles/{articles[1]['slug']}")
    reader.click(".neighbours p:has-text('In') .newer-article")
    reader.wait_for_url(f"**/articles/{articles[2]['slug']}")
    reader.click(".neighbours p:has-text('In') .older-article")
    reader.wait_for_url(f"**/articles/{articles[1]['slug']}")
    shot(reader, "article-neighbours")

    for article, moment in ((articles[0], datetime(2018, 2, 3, 10, tzinfo=UTC)),
                            (articles[1], datetime(2018, 7, 20, 15, 30, tzinfo=UTC))):
        published_at(stack.databases["posts"], article["id"], moment)
    reader.goto(f"{site}/archive/2018/")
    assert "Archive: 2018" in reader.locator("h1").inner_text()
    reader.click(".months a:text('July')")
    reader.wait_for_url("**/archive/2018/07/")
    reader.click(".calendar a:text('20')")
    reader.wait_for_url("**/archive/2018/07/20/")
    assert reader.locator(".archive-list li").all_inner_texts()[0].startswith(
        "2018-07-20 15:30 UTC")
    reader.click(".older-period")
    reader.wait_for_url("**/archive/2018/02/03/")
    shot(reader, "archive-day")

    stack.editor().post(f"/articles/{articles[5]['id']}/retract")
    answer = reader.goto(f"{site}/articles/{articles[5]['slug']}")
    assert answer is not None and answer.status == 410
    assert "This article was retracted" in reader.locator("h1").inner_text()
    shot(reader, "article-retracted")
