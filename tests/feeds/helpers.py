"""Helpers for the feeds tests on a running Burg: a feed's JSON document, whether it shows
something yet, and comments put straight into the feeds read model."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.conftest import Stack, wait_for
from tests.databases import BACKEND


def feed_json(stack: Stack, stem: str) -> dict[str, Any] | None:
    response = stack.client("feeds").get(f"{stem}.json")
    return json.loads(response.content) if response.status_code == 200 else None


def entry_id(comment_id: int) -> str:
    """What a comment's entry id ends with, quoted as in JSON (`tag:<host>,2025:comment-7`):
    unlike its link, it never changes."""
    return f':comment-{comment_id}"'


def shows(stack: Stack, stem: str, marker: str) -> bool:
    document = feed_json(stack, stem)
    return bool(document) and marker in json.dumps(document, ensure_ascii=False)


def stamp(moment: str) -> str:
    """A timestamp as the feeds tables store it ("YYYY-MM-DD HH:MM:SS.ffffff", in UTC)."""
    return moment + ("+00:00" if BACKEND == "postgresql" else "")


def store_comment(stack: Stack, article_id: int, *, nic: str, body_html: str,
                  updated_at: str | None = None) -> int:
    """Put a comment straight into the feeds read model, as an older version of the APIs
    let it through (no event: it shows at the next render of its feeds)."""
    [(url,)] = wait_for(lambda: stack.sql("feeds", "SELECT url FROM feedarticle WHERE "
                                                   "article_id = :id", id=article_id),
                        what="the article in the feeds read model")
    comment_id = 2_000_000_000 + uuid.uuid4().int % 100_000_000
    now = stamp(f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S.%f}")
    stack.sql("feeds", "INSERT INTO feedcomment (comment_id, article_id, article_title, "
                       "article_url, nic, summary, body_html, created_at, updated_at) VALUES "
                       "(:id, :article, 'Title', :page, :nic, :body, :body, :now, :updated)",
              id=comment_id, article=article_id, page=url, nic=nic, body=body_html, now=now,
              updated=updated_at or now)
    return comment_id
