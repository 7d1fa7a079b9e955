"""Search from the site in a real browser (Debian's Chromium, headless): the box in every
page's header, the results with their marked words, the other order, the next page, and a
comment's result leading to its permalink. Screenshots under test-artifacts/screenshots/."""

from playwright.sync_api import Browser

from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.search.helpers import found, publish, word
from tests.web.helpers import shot


def test_a_reader_searches_from_the_header_and_opens_a_comment(
        stack: Stack, browser: Browser) -> None:
    term = word()
    article = publish(stack, f"Harbour {term} report", f"The {term} was <b>seen</b> at dawn.")
    notes = [post(stack.client("comments"), article["id"],
                  f"Comment {n} on the {term}, <script>alert({n})</script>")["comment"]
             for n in range(25)]
    wait_for(lambda: len(found(stack, term)) == 20, what="the results in search")
    site = stack.urls["site"]
    reader = browser.new_page()
    reader.goto(f"{site}/articles/{article['slug']}")
    reader.fill("header form.search input[name=q]", term)
    reader.click("header form.search button")
    reader.wait_for_url("**/search?q=*")
    results = reader.locator("ol.results > li")
    assert results.count() == 20
    first = results.first
    assert first.locator("mark").first.inner_text().lower() == term
    assert "<script>" not in reader.content().split("<main>")[1].split("</main>")[0].replace(
        "&lt;script&gt;", "")
    shot(reader, "search-results")

    reader.click("a[rel=next]")
    reader.wait_for_url("**page=2*")
    assert reader.locator("ol.results > li").count() == 6
    shot(reader, "search-page-2")

    reader.click("a:text('newest first')")
    reader.wait_for_url("**order=newest*")
    newest = reader.locator("ol.results > li.comment h2 a").first
    assert newest.get_attribute("href") == f"/comments/{notes[-1]['id']}"
    newest.click()
    reader.wait_for_url(f"**/articles/{article['slug']}*#comment-{notes[-1]['id']}")
    shot(reader, "search-to-comment")


def test_a_query_that_cannot_be_run_says_why(stack: Stack, browser: Browser) -> None:
    reader = browser.new_page()
    response = reader.goto(f"{stack.urls['site']}/search?q=" + "x%20" * 20)
    assert response is not None and response.status == 400
    assert "at most 16 words" in reader.inner_text("p.error")
    reader.goto(f"{stack.urls['site']}/search?q=%22%29%28*%5E")
    assert "at least one word" in reader.inner_text("p.error")
    shot(reader, "search-refused")
