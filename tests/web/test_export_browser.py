"""The desk's export in Chromium: an editor signs in, follows the desk's "Export" link and
downloads both files, which the browser saves under their dated names; the WXR parses
strictly and the JSON document holds the site's newest article. Screenshot under
test-artifacts/screenshots/desk-export.png."""

import json
import uuid
from datetime import UTC, datetime

from lxml import etree
from playwright.sync_api import Browser

from tests.conftest import Stack
from tests.posts.helpers import new_article, new_category
from tests.web.helpers import shot

STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True)


def test_an_editor_downloads_both_exports(stack: Stack, browser: Browser) -> None:
    title = f"Exported in a browser {uuid.uuid4().hex[:6]}"
    article = new_article(stack, new_category(stack)["slug"], title=title)
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(f"{stack.urls['site']}/editor")
    page.fill("#token", stack.editor_token)
    page.click("button:text('Sign in')")
    page.wait_for_url("**/editor/desk")
    page.click("nav.desk-nav >> text=Export")
    page.wait_for_url("**/editor/export")
    shot(page, "desk-export")
    today = f"{datetime.now(UTC):%Y-%m-%d}"

    with page.expect_download() as wxr_download:
        page.click("#export-wxr")
    saved = wxr_download.value
    assert saved.suggested_filename == f"burg-export-{today}.xml"
    channel = etree.parse(saved.path(), parser=STRICT).getroot().find("channel")
    assert title in [item.findtext("title") for item in channel.findall("item")]

    with page.expect_download() as json_download:
        page.click("#export-json")
    saved = json_download.value
    assert saved.suggested_filename == f"burg-export-{today}.json"
    with open(saved.path(), encoding="utf-8") as file:
        document = json.load(file)
    assert document["burg_export"] == 1
    assert article["id"] in [a["id"] for a in document["articles"]]
    context.close()
