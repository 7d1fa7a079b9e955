"""A refused form, as a reader meets it: over HTTP without JavaScript, and in Chromium. The
address stays the article's, a sentence in the site's words stands beside the field concerned
and at the top of the form, what was typed is kept, and no API words show ("Value error",
"email:", "cursor:")."""

import re
import uuid
from urllib.parse import urljoin, urlsplit

import httpx
import lxml.html
from playwright.sync_api import Browser

from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_article, new_category
from tests.web.helpers import API_WORDS, csrf_of, opened, shot, site


def form_action(page: httpx.Response) -> str:
    """Where the comment form posts, as a browser resolves its action."""
    [action] = lxml.html.fromstring(page.text).xpath("//form[@id='comment-form']/@action")
    return urljoin(str(page.url), action)


def beside(html: str, field: str) -> str:
    """The sentence shown beside the field `field` (in the same paragraph as its input)."""
    tree = lxml.html.fromstring(html)
    [control] = tree.xpath(f"//*[@id='{field}']")
    assert control.get("aria-invalid") == "true"
    [sentence] = control.getparent().xpath(f".//*[@id='{field}-problem']")
    assert control.get("aria-describedby") == f"{field}-problem"
    return str(sentence.text_content()).strip()


def summary_of(html: str, form: str) -> str:
    """The form's summary: the first thing in the form after its heading and greeting."""
    [box] = lxml.html.fromstring(html).xpath(
        f"//form[@id='{form}']//*[contains(@class, 'form-problems')]")
    return " ".join(box.text_content().split())


def no_api_words(html: str) -> None:
    text = lxml.html.fromstring(html).xpath("//main")[0].text_content()
    assert not API_WORDS.search(text), API_WORDS.search(text)


def test_a_refused_comment_comes_back_to_the_article_with_sentences_beside_its_fields(
        stack: Stack) -> None:
    _, article = opened(stack)
    client = site(stack)
    page = client.get(f"/articles/{article['slug']}")
    action = form_action(page)
    # The form posts to the article's own address (and lands on the form).
    assert urlsplit(action).path == f"/articles/{article['slug']}"
    assert urlsplit(action).fragment == "comment-form"
    typed = "Kept <text> & all,\r\nover two lines"
    refused = client.post(action.split("#")[0], data={
        "csrf": csrf_of(page), "nic": f"Mailer {uuid.uuid4().hex[:6]}", "body": typed,
        "notify_replies": "on"})
    assert refused.status_code == 422
    assert beside(refused.text, "email") == (
        "To get e-mail about replies, please give your e-mail address.")
    summary = summary_of(refused.text, "comment-form")
    assert summary == ("Your comment was not posted. Please see the field marked below. "
                       "To get e-mail about replies, please give your e-mail address.")
    no_api_words(refused.text)
    [kept] = lxml.html.fromstring(refused.text).xpath("//textarea[@id='body']/text()")
    assert kept.replace("\r\n", "\n") == typed.replace("\r\n", "\n")
    assert 'name="notify_replies" checked' in refused.text
    # Two fields at once: a sentence beside each, both in the summary.
    twice = client.post(action.split("#")[0], data={
        "csrf": csrf_of(page), "nic": "N" * 41, "body": typed,
        "website": "ftp://example.org/"})
    assert twice.status_code == 422
    assert beside(twice.text, "nic") == "Your name is too long (at most 40 characters)."
    assert beside(twice.text, "website").startswith("The website must be a whole address")
    assert summary_of(twice.text, "comment-form").startswith(
        "Your comment was not posted. Please see the 2 fields marked below.")
    no_api_words(twice.text)
    # A nic that is someone else's: the sentence is beside the name.
    owner = post(stack.client("comments"), article["id"], "Mine.")
    taken = client.post(action.split("#")[0], data={
        "csrf": csrf_of(page), "nic": owner["comment"]["nic"], "body": "Hello"})
    assert taken.status_code == 409
    assert beside(taken.text, "nic") == (
        "This name belongs to another commenter. Please choose another one.")
    no_api_words(taken.text)
    # The article's address takes a form only with the page's CSRF token.
    forged = client.post(action.split("#")[0], data={"csrf": "forged", "nic": "N", "body": "x"})
    assert forged.status_code == 403 and "expired" in forged.text


def test_a_damaged_cursor_is_a_plain_400_page(stack: Stack) -> None:
    category, article = opened(stack)
    for path in ("/", f"/categories/{category['slug']}", f"/articles/{article['slug']}"):
        page = site(stack).get(path, params={"cursor": "not-ours"})
        assert page.status_code == 400, (path, page.text)
        assert "This address does not lead to a page" in page.text
        assert f'href="{path}"' in page.text  # the first page, without the damaged part
        no_api_words(page.text)
    # The site's own checks of an address: a page too, not JSON.
    reply_to = site(stack).get(f"/articles/{article['slug']}", params={"reply_to": "abc"})
    assert reply_to.status_code == 400 and reply_to.headers["content-type"].startswith(
        "text/html")
    no_api_words(reply_to.text)
    for path in ("/no/such/page", f"/articles/{article['slug']}/comments"):
        nowhere = site(stack).get(path)
        assert nowhere.status_code in (404, 405), path
        assert "There is no such page." in nowhere.text


def test_a_refused_article_form_says_so_beside_its_fields(stack: Stack) -> None:
    editor = site(stack)
    editor.cookies.set("burg_editor", stack.editor_token)
    desk = editor.get("/editor")
    [action] = lxml.html.fromstring(desk.text).xpath("//form[@id='article-form']/@action")
    assert action == "/editor#article-form"  # the desk's own address
    slug = stack.editor().get("/categories").json()[0]["slug"]
    refused = editor.post("/editor", data={
        "csrf": csrf_of(desk), "title": "T" * 201, "category": slug,
        "source_url": "javascript:alert(1)", "body": "Kept body", "action": "save"})
    assert refused.status_code == 422, refused.text
    assert beside(refused.text, "title") == "The title is too long (at most 200 characters)."
    assert beside(refused.text, "source_url").startswith("The source link must be a whole")
    assert summary_of(refused.text, "article-form").startswith("The article was not saved.")
    assert "Kept body</textarea>" in refused.text
    no_api_words(refused.text)


def test_in_chromium_the_refused_form_keeps_the_address_and_shows_the_sentence(
        stack: Stack, browser: Browser) -> None:
    # A long story: the form is far below the fold.
    category = new_category(stack)
    article = new_article(stack, category["slug"], body="\n\n".join(
        f"{n}. A paragraph of the story, long enough to fill a line or two of the page."
        for n in range(1, 60)))
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the article in comments")
    url = f"{stack.urls['site']}/articles/{article['slug']}"
    reader = browser.new_page(viewport={"width": 800, "height": 600})
    reader.goto(url)
    reader.fill("#nic", f"Chromium {uuid.uuid4().hex[:6]}")
    reader.check("input[name=follow_thread]")
    reader.fill("#body", "My words, kept.")
    reader.click("#comment-form button[type=submit]")
    reader.wait_for_selector(".form-problems")
    assert reader.url == url + "#comment-form"
    sentence = reader.locator("#email-problem")
    assert sentence.inner_text() == "To get e-mail about replies, please give your e-mail address."
    assert reader.locator(".form-problems").is_visible()
    # The page opened at the form: its summary is on the screen, not below the fold.
    assert reader.evaluate("document.body.scrollHeight") > 3 * 600
    top = reader.evaluate("document.querySelector('.form-problems').getBoundingClientRect().top")
    assert 0 <= top < 600, top
    assert reader.input_value("#body") == "My words, kept."
    assert not API_WORDS.search(reader.inner_text("main"))
    shot(reader, "comment-refused")
    # Put right, it posts (the CSRF token of the refused page still works).
    reader.fill("#email", f"chromium-{uuid.uuid4().hex[:8]}@example.org")
    reader.click("#comment-form button[type=submit]")
    reader.wait_for_url(re.compile(r".*#comment-\d+$"))
    assert reader.url.startswith(url + "#comment-")


def test_a_commenter_cookie_the_service_no_longer_knows_is_dropped_with_a_sentence(
        stack: Stack) -> None:
    _, article = opened(stack)
    client = site(stack)
    client.cookies.set("burg_commenter", "a-token-nobody-was-given")
    page = client.get(f"/articles/{article['slug']}")
    refused = client.post(f"/articles/{article['slug']}", data={
        "csrf": csrf_of(page), "nic": f"Lost {uuid.uuid4().hex[:6]}", "body": "Kept."})
    assert refused.status_code == 401
    assert "commenter key is no longer valid. Post it again" in summary_of(
        refused.text, "comment-form")
    assert 'burg_commenter=""' in refused.headers["set-cookie"]
    assert "Kept.</textarea>" in refused.text
    no_api_words(refused.text)
    client.cookies.delete("burg_commenter")
    again = client.post(f"/articles/{article['slug']}", data={
        "csrf": csrf_of(page), "nic": f"Found {uuid.uuid4().hex[:6]}", "body": "Kept."})
    assert again.status_code == 303, again.text
