"""Helpers for the comments tests: an open article, comments posted over HTTP, a check
that HTML can run nothing, and an article's comment feed."""

import uuid
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.conftest import Stack, wait_for
from tests.posts.helpers import feed

ALLOWED_TAGS = {"p", "br", "strong", "em", "u", "s", "small", "span", "blockquote", "ul", "li",
                "a", "img"}


def open_article(stack: Stack) -> int:
    """A new published article that the comments service already knows."""
    editor = stack.editor()
    slug = editor.post("/categories", json={"name": f"C {uuid.uuid4().hex[:8]}"}).json()["slug"]
    draft = editor.post("/articles", json={"title": "Open", "category": slug, "body": "x"}).json()
    editor.post(f"/articles/{draft['id']}/publish").raise_for_status()
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{draft['id']}/comments").status_code == 200,
             what="the comments service to learn of the article")
    return int(draft["id"])


def nic() -> str:
    return f"Nic {uuid.uuid4().hex[:8]}"


def post(client: httpx.Client, article_id: int, body: str = "A comment.",
         token: str | None = None, **fields: Any) -> dict[str, Any]:
    """Post a comment (as `token`'s commenter, or a new one); fail unless it is created."""
    headers = {"X-Commenter-Token": token} if token else {}
    response = client.post(f"/articles/{article_id}/comments", headers=headers,
                           json={"nic": fields.pop("nic", None) or nic(), "body": body} | fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


def moderator(stack: Stack) -> httpx.Client:
    return stack.client("comments", headers={"Authorization": f"Bearer {stack.editor_token}"})


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self.problems.append(f"tag <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"style", "srcdoc", "formaction"}:
                self.problems.append(f"attribute {name}")
            if name in {"href", "src"} and not (value or "").startswith(("http://", "https://")):
                self.problems.append(f"{name}={value!r}")
            if tag == "img" and name == "src" and not (value or "").startswith("https://"):
                self.problems.append(f"img src={value!r}")


def executable_parts(html: str) -> list[str]:
    """Whatever in `html` could run script or load from a non-http(s) URL (empty: safe)."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems


def comment_feed(stack: Stack, article: int) -> list[str]:
    """The contents of the entries of an article's comment feed (none while it has none)."""
    parsed = feed(stack, f"articles/{article}/comments.atom")
    return [e.content[0].value for e in parsed.entries] if parsed else []
