"""Arbitrary Unicode in every text field of every API, on the whole running stack.

Each request is refused with a 4xx whose JSON names the field, or stored, and then reads back
as the README says it is normalised, holding nothing XML, HTML or mail cannot carry. After
each test's examples (once, not per example) the feeds still render and parse strictly, the
pages open, and reply e-mails with the stored text build and parse raw."""

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.comments.helpers import moderator
from tests.conftest import Stack, wait_for
from tests.e2e.hostile_checks import Stored, Target, check_downstream
from tests.hostile_text import (
    as_json,
    bounded,
    hostile,
    names_field,
    normalised,
    uncarriable,
)

# Per field and test, bounded for CI (about two minutes for the module, most of it starting the
# stack); tests/shared/test_text.py adds 100 per field and 1,000 per rule in process.
EXAMPLES = 60
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def target(stack: Stack) -> Target:
    editor = stack.editor()
    category = editor.post("/categories", json={"name": f"Hostile {uuid.uuid4().hex[:8]}"})
    slug = category.json()["slug"]
    draft = editor.post("/articles", json={"title": "Hostile text", "category": slug,
                                           "body": "B"}).json()
    article = editor.post(f"/articles/{draft['id']}/publish").json()
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{draft['id']}/comments").status_code == 200,
             what="the comments service to learn of the article")
    return Target(article_id=article["id"], slug=article["slug"], title=article["title"],
                  category=slug)


def sent_as(kind: str, value: str) -> str:
    """Hostile text where a field of this kind holds text (a link's path, an address's name)."""
    return {"url": f"https://example.com/{value}", "address": f"{value}@example.com"}.get(
        kind, value)


def refused(response: httpx.Response, field: str) -> bool:
    """A 4xx must name the field; anything else must be a success."""
    if 400 <= response.status_code < 500:
        assert names_field(response, field), (field, response.status_code, response.text)
        return True
    assert response.status_code in (200, 201, 204), (response.status_code, response.text)
    return False


def kept_as_promised(kind: str, sent: str, kept: Any) -> None:
    if kind in ("one", "multi"):
        assert kept == normalised(sent, one_line=kind == "one"), (sent, kept)
        assert not uncarriable(kept, one_line=kind == "one"), (sent, kept)
    elif kind in ("url", "address"):
        kept.encode("ascii")  # percent-encoded links, IDNA domains
        assert not uncarriable(kept, one_line=True) and " " not in kept, kept


ARTICLE_FIELDS = {"title": "one", "body": "multi", "source_name": "one", "source_note": "one",
                  "source_url": "url", "dateline": "date", "category": "reference"}


@pytest.mark.parametrize("field", ARTICLE_FIELDS)
def test_article_fields(stack: Stack, target: Target, field: str, tmp_path: Path) -> None:
    kind, stored, editor = ARTICLE_FIELDS[field], Stored(), stack.editor()

    @bounded(EXAMPLES)
    @given(value=hostile())
    @example("One\u2028Two")  # issue 14: such a title made every reply e-mail fail for good
    def attempt(value: str) -> None:
        sent = sent_as(kind, value)
        payload = {"title": "Hostile", "category": target.category, "body": "B"} | {field: sent}
        response = editor.post("/articles", content=as_json(payload), headers=JSON)
        if refused(response, field):
            return
        article = response.json()
        kept_as_promised(kind, sent, article[field])
        published = editor.post(f"/articles/{article['id']}/publish")
        assert published.status_code == 200, published.text
        stored.feeds.add(f"articles/{article['id']}/comments")
        stored.pages.add(f"/articles/{article['slug']}")
        stored.titles.append(article["title"])
        stored.bodies_html.append(published.json()["body_html"])

    attempt()
    check_downstream(stack, target, stored, tmp_path)


@pytest.mark.parametrize("field", ["title", "body", "source_name", "source_note"])
def test_edits_of_a_published_article(stack: Stack, target: Target, field: str,
                                      tmp_path: Path) -> None:
    kind, stored, editor = ARTICLE_FIELDS[field], Stored(), stack.editor()

    @bounded(EXAMPLES)
    @given(value=hostile())
    @example("One\r\nTwo\rThree\u2029Four")  # a browser's CRLF, and more: LF in a body
    def attempt(value: str) -> None:
        response = editor.patch(f"/articles/{target.article_id}",
                                content=as_json({field: value}), headers=JSON)
        if not refused(response, field):
            kept_as_promised(kind, value, response.json()[field])
            stored.titles.append(response.json()["title"])

    attempt()
    check_downstream(stack, target, stored, tmp_path)


@pytest.mark.parametrize("field", ["name", "description"])
def test_category_fields(stack: Stack, target: Target, field: str, tmp_path: Path) -> None:
    stored, editor = Stored(), stack.editor()
    renamed = editor.post("/categories", json={"name": f"Renamed {uuid.uuid4().hex[:8]}"})
    slug = renamed.json()["slug"]
    stored.feeds.add(f"categories/{slug}")
    stored.pages.add(f"/categories/{slug}")

    @bounded(EXAMPLES)
    @given(value=hostile())
    def attempt(value: str) -> None:
        # A name: each example renames one category (names of new ones would share a slug).
        # A description: each example is a new category.
        response = (editor.patch(f"/categories/{slug}", content=as_json({field: value}),
                                 headers=JSON) if field == "name" else
                    editor.post("/categories", headers=JSON, content=as_json(
                        {"name": f"D {uuid.uuid4().hex}", field: value})))
        if refused(response, field):
            return
        category = response.json()
        kept_as_promised("one" if field == "name" else "multi", value, category[field])
        stored.feeds.add(f"categories/{category['slug']}")
        stored.pages.add(f"/categories/{category['slug']}")

    attempt()
    check_downstream(stack, target, stored, tmp_path)


COMMENT_FIELDS = {"nic": "one", "body": "multi", "website": "url", "email": "address",
                  "homepage": "honeypot"}


@pytest.mark.parametrize("field", COMMENT_FIELDS)
def test_comment_fields(stack: Stack, target: Target, field: str, tmp_path: Path) -> None:
    kind, stored, comments = COMMENT_FIELDS[field], Stored(), stack.client("comments")
    addresses: list[str] = []

    @bounded(EXAMPLES)
    @given(value=hostile())
    @example("Poison\uffffNic")  # issue 14: accepted (201), it stopped every feed
    def attempt(value: str) -> None:
        sent = sent_as(kind, value)
        if field == "nic":  # a nic of its own each time (the same one again is a 409)
            sent = f"{uuid.uuid4().hex[:6]} {sent}"
        payload: dict[str, Any] = {"nic": f"N {uuid.uuid4().hex[:12]}", "body": "B", field: sent}
        payload |= {"follow_thread": True} if field == "email" else {}
        response = comments.post(f"/articles/{target.article_id}/comments",
                                 content=as_json(payload), headers=JSON)
        if refused(response, field):
            return
        comment = response.json()["comment"]
        [(body, website)] = stack.sql("comments", "SELECT body, website FROM comment "
                                                  "WHERE id = :id", id=comment["id"])
        kept = {"nic": comment["nic"], "body": body, "website": website}.get(field, sent)
        kept_as_promised(kind, sent, kept)
        assert comment["website"] == website
        assert kind != "honeypot" or sent == "", "a filled-in honeypot is refused"
        addresses.extend([sent.lower()] if field == "email" else [])
        stored.titles.append(comment["nic"])
        stored.bodies_html.append(comment["body_html"])

    attempt()
    # An address given with a request for e-mail gets its confirmation request through the
    # real notify worker and SMTP server; each parses raw (in check_downstream).
    wait_for(lambda: all(any(a in m["To"].lower() for m in stack.mails()) for a in addresses),
             what="the confirmation requests")
    check_downstream(stack, target, stored, tmp_path)


def test_comment_edits_and_previews(stack: Stack, target: Target, tmp_path: Path) -> None:
    stored, comments = Stored(), stack.client("comments")
    first = comments.post(f"/articles/{target.article_id}/comments",
                          json={"nic": f"Editing {uuid.uuid4().hex[:8]}", "body": "B"}).json()
    mine = stack.client("comments", headers={"X-Commenter-Token": first["commenter_token"]})
    comment_id = first["comment"]["id"]

    @bounded(EXAMPLES)
    @given(value=hostile(), where=st.sampled_from(["edit", "preview", "article preview"]))
    @example("A\r\nbrowser's\r\n\r\nform", "edit")
    def attempt(value: str, where: str) -> None:
        body = as_json({"body": value})
        response = {"edit": lambda: mine.patch(f"/comments/{comment_id}", content=body,
                                               headers=JSON),
                    "preview": lambda: comments.post("/preview", content=body, headers=JSON),
                    "article preview": lambda: stack.editor().post("/preview", content=body,
                                                                   headers=JSON)}[where]()
        if refused(response, "body"):
            return
        assert not uncarriable(response.json()["body_html"], one_line=False)
        if where == "edit":
            [(kept,)] = stack.sql("comments", "SELECT body FROM comment WHERE id = :id",
                                  id=comment_id)
            kept_as_promised("multi", value, kept)
            stored.bodies_html.append(response.json()["body_html"])

    attempt()
    check_downstream(stack, target, stored, tmp_path)


def test_path_nics_and_notify_tokens(stack: Stack) -> None:
    editor, notify = moderator(stack), stack.client("notify")

    @bounded(EXAMPLES)
    @given(value=hostile(max_size=300), purpose=st.sampled_from(["confirm", "unsubscribe"]))
    def attempt(value: str, purpose: str) -> None:
        nic = editor.post(f"/nics/{quote(value.encode('utf-8', 'surrogatepass'), safe='')}/ban")
        # Unknown (404, also for a nic whose "/" makes another path) or refused naming it.
        assert nic.status_code == 404 or refused(nic, "nic"), nic.text
        token = notify.post("/check", headers=JSON,
                            content=as_json({"purpose": purpose, "token": value}))
        assert token.status_code == 400 or refused(token, "token"), token.text

    attempt()


def test_an_editors_nic_from_the_command_line(stack: Stack) -> None:
    def create(nic: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "services.posts.cli", "create-editor", nic],
                              env=stack.env, capture_output=True, text=True, check=False)

    for nic in ("Poison\uffffNic", "Two\u2028Lines"):  # the rest: tests/shared/test_text.py
        refused_nic = create(nic)
        assert refused_nic.returncode == 1 and "nic:" in refused_nic.stderr, refused_nic
    made = create(f"  Ed \u05d0\u0301 {uuid.uuid4().hex[:6]} ")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip().splitlines()[-1]
    me = stack.client("posts", headers={"Authorization": f"Bearer {token}"}).get("/editors/me")
    assert me.json()["nic"].startswith("Ed \u05d0\u0301 ") and not me.json()["nic"].endswith(" ")
