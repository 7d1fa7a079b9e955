"""The XSS corpus through every feed field on a running Burg: each payload as a category's name
and description, an article's title, body and source fields, a comment's nic and body (and as
raw HTML in the read model, as an older version could have stored it). Then every document
that shows them, in every format, is read the way a feed reader reads it: what a reader renders
as HTML holds nothing executable, Atom says what each text is, and the document stays strictly
valid."""

import uuid
from typing import Any

import httpx
import pytest

from tests.comments.helpers import nic
from tests.conftest import Stack, wait_for
from tests.feeds.helpers import feed_json, store_comment
from tests.feeds.reader import executable, html_fields, untyped_atom_text
from tests.feeds.strict import assert_strict
from tests.feeds.xss_payloads import PAYLOADS
from tests.posts.helpers import new_category

FORMATS = ("rss", "atom", "json")
SENTINEL = "<img src=x onerror=alert(1)>"  # must get into every field, or the test proves little


def create(client: httpx.Client, url: str, fields: dict[str, Any],
           fallback: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """POST `fields`; each field the API refuses (a 4xx naming it) is replaced by its
    `fallback` value and the POST tried again. The created resource, and the hostile fields
    it kept."""
    fields = dict(fields)
    kept = set(fallback)
    while True:
        response = client.post(url, json=fields)
        if response.status_code in (200, 201):
            return dict(response.json()), kept
        assert 400 <= response.status_code < 500, (url, fields, response.text)
        named = {str(error["loc"][-1]) for error in response.json().get("errors", [])}
        named |= {name for name in kept if response.json()["detail"].startswith(f"{name}:")}
        refused = (named & kept) or set(kept)  # unnamed: none of them, then
        assert refused, (url, fields, response.text)
        for name in refused:
            fields[name] = fallback[name]
        kept -= refused


def entry_ids(stack: Stack, stem: str) -> set[str]:
    document = feed_json(stack, stem) or {"items": []}
    return {item["id"].rsplit(":", 1)[-1] for item in document["items"]}


@pytest.fixture(scope="module")
def corpus_feeds(stack: Stack) -> set[str]:
    """Every payload in every field it can go into; the feed stems that show them, each
    rendered with everything that went in."""
    editor, comments = stack.editor(), stack.client("comments")
    run = uuid.uuid4().hex[:4]
    base = new_category(stack, f"XSS corpus {run}")["slug"]
    expected: dict[str, set[str]] = {}
    articles: list[tuple[int, str]] = []
    sentinel: set[str] = set()
    for n, payload in enumerate(PAYLOADS):
        category, kept = create(
            editor, "/categories", {"name": f"{payload} {run}{n}", "description": payload},
            {"name": f"Safe {run}{n}", "description": "Safe."})
        sentinel |= {f"category {k}" for k in kept} if payload == SENTINEL else set()
        slug = category["slug"] if "name" in kept else base
        draft, kept = create(editor, "/articles", {
            "title": payload, "category": slug, "body": f"[ed]{payload}[/ed] {payload}",
            "source_name": payload, "source_note": payload, "source_url": payload,
        }, {"title": f"Safe {n}", "body": "Safe.", "source_name": "Safe", "source_note": "Safe",
            "source_url": None})
        sentinel |= {f"article {k}" for k in kept} if payload == SENTINEL else set()
        editor.post(f"/articles/{draft['id']}/publish").raise_for_status()
        articles.append((draft["id"], payload))
        expected.setdefault(f"categories/{slug}", set()).add(f"article-{draft['id']}")
    wait_for(lambda: comments.get(f"/articles/{articles[-1][0]}/comments").status_code == 200,
             what="the comments service to know every article")  # they come in order
    for n, (article_id, payload) in enumerate(articles):
        # As an older version could have stored it: raw HTML in the read model.
        stored = store_comment(stack, article_id, nic=payload[:40], body_html=payload)
        created, kept = create(comments, f"/articles/{article_id}/comments",
                               {"nic": f"{payload} {run}{n}", "body": payload},
                               {"nic": nic(), "body": "Safe."})
        sentinel |= {f"comment {k}" for k in kept} if payload == SENTINEL else set()
        expected[f"articles/{article_id}/comments"] = {
            f"comment-{created['comment']['id']}", f"comment-{stored}"}
    assert sentinel == {"category name", "category description", "article title",
                        "article body", "article source_name", "article source_note",
                        "comment nic", "comment body"}, sentinel
    for stem, ids in expected.items():
        def shows_all(stem: str = stem, ids: set[str] = ids) -> bool:
            return ids <= entry_ids(stack, stem)
        wait_for(shows_all, what=f"{stem} to show {ids}")
    return set(expected) | {"site", "comments"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_feed_field_a_reader_renders_as_html_can_run_script(stack: Stack,
                                                               corpus_feeds: set[str],
                                                               fmt: str) -> None:
    feeds = stack.client("feeds")
    problems: dict[str, list[str]] = {}
    for stem in sorted(corpus_feeds):
        path = f"{stem}.{fmt}"
        response = feeds.get(f"/{path}")
        assert response.status_code == 200, path
        assert_strict(path, response.content)
        for where, shown in html_fields(path, response.content):
            if found := executable(shown):
                problems[where] = found
        if fmt == "atom":
            assert untyped_atom_text(response.content) == [], path
    assert not problems, f"{len(problems)} fields: {problems}"
