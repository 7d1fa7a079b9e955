"""The security headers of every answer of the site, and its pages working under their
Content-Security-Policy in Chromium: the article page with the toolbar, the live preview,
the nic helpers and an editor's moderation buttons, with no violation reported."""

import re
import uuid

import pytest
from playwright.sync_api import Browser, Page

from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.web.helpers import opened, pick_nic, select, shot, site


def check_headers(headers: dict[str, str], path: str) -> None:
    policy = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split(";")
              if d.strip()}
    assert policy["default-src"] == ["'none'"], path
    assert policy["script-src"] == ["'self'"], path  # no inline script, no eval
    assert policy["frame-ancestors"] == ["'none'"], path
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'none'"], path
    assert "'unsafe-inline'" not in headers["content-security-policy"], path
    assert headers["x-content-type-options"] == "nosniff", path
    assert headers["x-frame-options"] == "DENY", path
    assert headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer"), path


def test_every_answer_carries_the_security_headers(stack: Stack) -> None:
    category, article = opened(stack)
    client = site(stack)
    for path in ("/", f"/categories/{category['slug']}", f"/articles/{article['slug']}",
                 "/editor", "/all-feeds", "/subscriptions/confirm?token=x", "/no/such/page",
                 "/comments/999999", "/static/comment-form.js", "/static/site.css",
                 "/?cursor=not-ours"):
        answer = client.get(path)
        assert answer.status_code < 500, (path, answer.status_code)
        check_headers(dict(answer.headers), path)
    refused = client.post(f"/articles/{article['slug']}", data={"csrf": "x"})
    check_headers(dict(refused.headers), "a refused form")
    # A link in an e-mail carries its token: that page gives no Referer at all.
    assert client.get("/subscriptions/confirm?token=x").headers["referrer-policy"] == (
        "no-referrer")
    assert client.get("/").headers["referrer-policy"] == "strict-origin-when-cross-origin"


def watched(page: Page) -> list[str]:
    """Every CSP violation the page reports (the browser's console message and the DOM
    event both), and every uncaught script error, as they happen. (A picture that does not
    load for want of DNS in the test machine is neither.)"""
    problems: list[str] = []
    page.add_init_script("""document.addEventListener("securitypolicyviolation",
        e => console.error("CSP violation: " + e.violatedDirective + " " + e.blockedURI));""")
    page.on("console", lambda m: problems.append(m.text) if re.search(
        "Content Security Policy|CSP violation|Refused to", m.text) else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return problems


@pytest.mark.parametrize("as_editor", [False, True])
def test_the_article_page_works_under_its_policy(
        stack: Stack, browser: Browser, as_editor: bool) -> None:
    _, article = opened(stack)
    context = browser.new_context()
    if as_editor:
        context.add_cookies([{"name": "burg_editor", "value": stack.editor_token,
                              "url": stack.urls["site"]}])
        post(stack.client("comments"), article["id"], "Hide me.")
    page = context.new_page()
    problems = watched(page)
    url = f"{stack.urls['site']}/articles/{article['slug']}"
    page.goto(url)
    # The toolbar and the live preview (the script, its fetch with the token, the HTML).
    page.fill("#body", "say word")
    select(page, "word")
    page.click(".toolbar button[data-tag=b]")
    assert page.input_value("#body") == "say [b]word[/b]"
    page.wait_for_selector("#preview strong")
    # Two comments under two nics, then "My Original Nic" and "Pic-a-Nic".
    nics = [f"{word} {uuid.uuid4().hex[:6]}" for word in ("First", "Second")]
    for nic in nics:
        before = page.url
        page.fill("#nic", nic)
        page.fill("#body", f"As {nic}, with a picture [foto]https://example.org/p.png[/foto]")
        page.click("#comment-form button[type=submit]")
        page.wait_for_url(lambda u, before=before: u != before and "#comment-" in u)
    page.wait_for_selector("html[data-reader=ready]")  # the reader's own parts are in
    page.fill("#nic", "")
    page.click("#original-nic")
    assert page.input_value("#nic") == nics[0]
    pick_nic(page, stack, nics[1])
    assert page.input_value("#nic") == nics[1]
    if as_editor:  # the moderation buttons post their forms under form-action 'self'
        first = page.locator(".comment form.moderate button").first
        with page.expect_navigation(url=re.compile(r".*/articles/.*")):
            first.click()
        wait_for(lambda: "Restore" in page.content(), what="the hidden comment held back")
    shot(page, f"csp-article{'-editor' if as_editor else ''}")
    assert problems == [], problems
    context.close()


def test_the_editors_desk_and_its_preview_work_under_the_policy(
        stack: Stack, browser: Browser) -> None:
    opened(stack)
    page = browser.new_context().new_page()
    problems = watched(page)
    page.goto(f"{stack.urls['site']}/editor")
    page.fill("#token", stack.editor_token)
    page.click("button[type=submit]")
    page.click("nav.desk-nav >> text=New article")  # signing in leads to the list
    page.wait_for_selector("#article-form")
    page.fill("#title", f"Desk {uuid.uuid4().hex[:6]}")
    page.fill("#body", "[quote]News.[/quote]\n\n[ed]Quite.[/ed]")
    page.click("button[value=preview]")
    page.wait_for_selector("section.preview em.commentary")
    page.click(".sign-out button")
    page.wait_for_url(f"{stack.urls['site']}/")
    assert problems == [], problems
    # What the policy is for: a script that found its way into a page does not run, and
    # the watch above sees the attempt.
    assert page.evaluate("""() => { const s = document.createElement("script");
        s.textContent = "window.injected = 1"; document.head.appendChild(s);
        return window.injected; }""") is None
    wait_for(lambda: any("script-src" in p for p in problems), what="the violation")
