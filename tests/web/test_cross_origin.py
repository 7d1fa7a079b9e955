"""Another site's page in Chromium: its form, posted from the victim's browser to our
comment form, is refused and changes nothing (no comment, the victim's commenter cookie
kept); our pages do not open inside its frames. The other site is a page served on another
port, under another host name (`localhost` against the site's `127.0.0.1`: another site, so
SameSite=Lax cookies stay home) and under the same one (another origin of the same site,
where the browser does send our cookies)."""

import html
import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext

from tests.conftest import Stack
from tests.web.helpers import Attacker, opened, shot


def forged_form(action: str, nic: str, body: str) -> str:
    """A page that posts our comment form as soon as it opens, with the token that
    matched a missing cookie before ("x")."""
    fields = {"csrf": "x", "nic": nic, "body": body}
    inputs = "".join(f'<input type="hidden" name="{k}" value="{html.escape(v)}">'
                     for k, v in fields.items())
    return (f'<!doctype html><form method="post" action="{html.escape(action)}">{inputs}'
            "</form><script>document.forms[0].submit()</script>")


def commenter_cookie(context: BrowserContext, site: str) -> str | None:
    host = urlsplit(site).hostname
    return next((c["value"] for c in context.cookies()
                 if c["name"] == "burg_commenter" and c["domain"] == host), None)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_another_sites_form_cannot_comment_in_the_readers_name(
        stack: Stack, browser: Browser, attacker: Attacker, host: str) -> None:
    site = stack.urls["site"]
    assert urlsplit(site).hostname == "127.0.0.1"
    _, article = opened(stack)
    url = f"{site}/articles/{article['slug']}"
    context = browser.new_context()
    reader = context.new_page()
    # The victim comments once: the site gives them a commenter cookie (their nic's key).
    reader.goto(url)
    reader.fill("#nic", f"Victim {uuid.uuid4().hex[:6]}")
    reader.fill("#body", "My own words.")
    reader.click("#comment-form button[type=submit]")
    reader.wait_for_url(re.compile(r".*#comment-\d+$"))
    cookie = commenter_cookie(context, site)
    assert cookie

    forged = f"Forged {uuid.uuid4().hex[:8]}"
    attacker.page = forged_form(url, f"Attacker {uuid.uuid4().hex[:6]}", forged)
    with reader.expect_response(lambda r: r.request.method == "POST") as posted:
        reader.goto(f"http://{host}:{attacker.port}/")
    assert posted.value.url == url and posted.value.status == 403, posted.value.status
    reader.wait_for_url(url)
    assert "This form has expired" in reader.content()
    shot(reader, f"cross-origin-refused-{host}")
    # Nothing changed: one comment (the victim's), and the victim keeps their cookie.
    thread = stack.client("comments").get(f"/articles/{article['id']}/comments").json()
    assert thread["count"] == 1 and forged not in str(thread)
    assert commenter_cookie(context, site) == cookie
    context.close()


def test_our_pages_do_not_open_in_another_sites_frame(
        stack: Stack, browser: Browser, attacker: Attacker) -> None:
    _, article = opened(stack)
    url = f"{stack.urls['site']}/articles/{article['slug']}"
    attacker.page = f'<!doctype html><iframe src="{html.escape(url)}"></iframe>'
    page = browser.new_page()
    with page.expect_response(url) as framed:
        page.goto(f"http://localhost:{attacker.port}/")
    assert framed.value.status == 200  # the browser got the page, and would not show it
    frame = page.frames[1]
    frame.wait_for_load_state()
    assert article["title"] not in frame.content()
    assert page.frames[1].url != url or "comment-form" not in frame.content()
