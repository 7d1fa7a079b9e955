"""Helpers for the search tests on a running Burg: an article with words of its own, and
what the search API finds."""

import uuid
from typing import Any

from tests.conftest import Stack, wait_for


def word() -> str:
    """A made-up word no other test's text holds (letters only: one token to the index)."""
    return "zq" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:10])


def publish(stack: Stack, title: str, body: str) -> dict[str, Any]:
    """A published article the comments service already knows."""
    editor = stack.editor()
    slug = editor.post("/categories", json={"name": f"S {uuid.uuid4().hex[:8]}"}).json()["slug"]
    draft = editor.post("/articles", json={"title": title, "category": slug, "body": body})
    draft.raise_for_status()
    article: dict[str, Any] = editor.post(f"/articles/{draft.json()['id']}/publish").json()
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the comments service to learn of the article")
    return article


def found(stack: Stack, q: str, order: str = "newest") -> list[tuple[str, int]]:
    response = stack.client("search").get("/", params={"q": q, "order": order})
    assert response.status_code == 200, response.text
    return [(hit["kind"], hit["id"]) for hit in response.json()["results"]]
