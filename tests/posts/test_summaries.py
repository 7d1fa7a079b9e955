"""Summaries are text, never markup: an article body with a quote, a quote in the quote and a
browser's CRLF line endings, and a comment with inline formatting, through the whole stack:
the posts API's `summary`, the category page and the feeds' descriptions, each read the
way a feed reader reads it (XML parsed strictly, no recovery)."""

import json
import re
from xml.etree import ElementTree

from services.feeds.comment_feeds import summary_of
from shared.markup import summary as markup_summary
from tests.comments.helpers import post
from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_article, new_category

ATOM = "{http://www.w3.org/2005/Atom}"
# As a browser's textarea sends it: CRLF between lines.
BODY = ("[quote]MILLBROOK, Ont. \u2014 The [b]mill[/b] reopened on Monday.\r\n\r\n"
        "[quote]1. Not long ago, the town had [i]no[/i] work.[/quote]\r\n\r\n"
        "2. It hires [u]forty[/u] people.[/quote]\r\n\r\n"
        "[ed]Good news, for once.[/ed] See [url=https://example.org/mill]the report[/url].")
TEXT = ("MILLBROOK, Ont. \u2014 The mill reopened on Monday. 1. Not long ago, the town had no "
        "work. 2. It hires forty people. Good news, for once. See the report.")
MARKUP = re.compile(r"\[/?(quote|b|i|u|ed|url)[\]=]|\r|\n|>")


def plain(text: str) -> None:
    assert not MARKUP.search(text), f"markup left in {text!r}"


def rss_descriptions(stack: Stack, path: str) -> list[str]:
    response = stack.client("feeds").get(path)
    if response.status_code == 404:  # not rendered yet
        return []
    channel = ElementTree.fromstring(response.content).find("channel")  # strict: no recovery
    assert channel is not None
    return [item.findtext("description") or "" for item in channel.iter("item")]


def test_an_article_summary_is_the_parsed_texts_opening_words(stack: Stack) -> None:
    category = new_category(stack)
    article = new_article(stack, category["slug"], body=BODY)
    assert article["summary"] == TEXT
    long = new_article(stack, category["slug"], body=BODY + "\r\n\r\n" + "[b]word[/b] " * 100)
    assert long["summary"].startswith(TEXT) and long["summary"].endswith("word\u2026")
    assert len(long["summary"]) <= 301 and "[b]" not in long["summary"]
    listed = stack.client("posts").get("/articles", params={"category": category["slug"]})
    for summary in [a["summary"] for a in listed.json()["data"]]:
        plain(summary)
    # The category page shows each article whole (teasers only if BURG_WEB_FRONT_TEASERS),
    # as rendered markup, never the markup as typed; every feed format has the summary.
    page = stack.client("site").get(f"/categories/{category['slug']}")
    assert "<blockquote" in page.text and "Good news, for once." in page.text
    main = page.text.split("<main>", 1)[1].split("</main>", 1)[0]
    assert not re.search(r"\[/?(quote|b|i|u|ed|url)[\]=]", main)
    rss = f"/categories/{category['slug']}.rss"
    descriptions = wait_for(lambda: (found := rss_descriptions(stack, rss)) and len(found) == 2
                            and found, what="both articles in the category's RSS")
    assert TEXT in descriptions
    for description in descriptions:
        plain(description)
    atom = ElementTree.fromstring(stack.client("feeds").get(
        f"/categories/{category['slug']}.atom").content)
    assert TEXT in [entry.findtext(f"{ATOM}summary") for entry in atom.iter(f"{ATOM}entry")]
    items = json.loads(stack.client("feeds").get(f"/categories/{category['slug']}.json").content)
    assert TEXT in [item["summary"] for item in items["items"]]


def test_a_comment_summary_in_the_feeds_is_its_text_without_markup(stack: Stack) -> None:
    category = new_category(stack)
    article = new_article(stack, category["slug"])
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the article in comments")
    posted = post(comments, article["id"],
                  "[quote]MILLBROOK said:\r\n\r\n[quote]1. Not long ago[/quote][/quote]\r\n\r\n"
                  "[i]Quite[/i], I agree. Im[b]port[/b]ant.")
    path = f"/articles/{article['id']}/comments.rss"
    [description] = wait_for(lambda: rss_descriptions(stack, path),
                             what="the comment in its article's feed")
    assert description == "MILLBROOK said: 1. Not long ago Quite, I agree. Important."
    assert posted["comment"]["id"]
    latest = wait_for(lambda: [d for d in rss_descriptions(stack, "/comments.rss")
                               if d.startswith("MILLBROOK said:")], what="the latest comments")
    assert latest == [description]


def test_the_summary_rules_in_process() -> None:
    assert markup_summary("[quote]a\r\n\r\n[quote]b[/quote][/quote]\r\nc", 300) == "a b c"
    # A tag never closed shows on the page as typed, but a summary holds no tag at all.
    assert markup_summary("[quote]MILLBROOK [b]said", 300) == "MILLBROOK said"
    assert markup_summary("[*] one\n[*] two", 300) == "one two"
    assert markup_summary("[url=https://example.org/]the report[/url] and "
                          "https://example.org/x [foto]https://example.org/p.png[/foto]",
                          300) == "the report and https://example.org/x"
    cut = markup_summary("Seven words, then more words than fit.", 20)
    assert cut == "Seven words, then\u2026"
    assert markup_summary("x" * 50, 20) == "x" * 20 + "\u2026"
    assert markup_summary("[ed]Commentary[/ed]", 300, commentary=True) == "Commentary"
    assert markup_summary("[ed]Commentary[/ed]", 300) == "[ed]Commentary[/ed]"  # a comment's
    assert summary_of("<p><strong>Im</strong>portant &amp; <em>true</em></p><p>Next</p>"
                      ) == "Important & true Next"
