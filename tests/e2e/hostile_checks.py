"""After a run of hostile text: does everything downstream still work? Once per test: the
feeds render again and parse strictly, the pages open, reply e-mails with the stored text
build and parse raw, and every e-mail the sink received parses raw."""

import html
import uuid
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import Path

from services.notify import messages
from services.notify.models import Address, Consent, Delivery
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from tests.conftest import Stack, wait_for
from tests.feeds.strict import assert_strict
from tests.hostile_text import parse_mail_raw

FORMATS = ("rss", "atom", "json")


@dataclass
class Target:
    """A published article, open for comments, in a category of its own."""

    article_id: int
    slug: str
    title: str
    category: str


@dataclass
class Stored:
    """What a run stored, to be checked downstream."""

    feeds: set[str] = field(default_factory=set)  # feed stems, e.g. "categories/x"
    pages: set[str] = field(default_factory=set)  # site paths, e.g. "/articles/x"
    titles: list[str] = field(default_factory=list)  # one-line text: titles, nics
    bodies_html: list[str] = field(default_factory=list)  # rendered comment or article HTML


def check_downstream(stack: Stack, target: Target, stored: Stored, tmp_path: Path) -> None:
    """Everything that shows the stored text still works (see the module's docstring)."""
    feeds_render_again(stack, target)
    for stem in stored.feeds | {"site", "comments", f"categories/{target.category}",
                                f"articles/{target.article_id}/comments"}:
        for fmt in FORMATS:
            response = stack.client("feeds").get(f"/{stem}.{fmt}")
            assert response.status_code == 200, (stem, fmt, response.text)
            assert_strict(f"{stem}.{fmt}", response.content)
    site = stack.client("site")
    for path in stored.pages | {"/", f"/articles/{target.slug}"}:
        page = site.get(path)
        assert page.status_code == 200, (path, page.status_code, page.text[:500])
    reply_mails_build(stored, target, tmp_path)
    sent_mails_parse(stack)


def feeds_render_again(stack: Stack, target: Target) -> None:
    """A new article, and a comment on it, reach every kind of feed: rendering has not
    stopped, and what was stale before them has been rendered."""
    mark = f"Sentinel {uuid.uuid4().hex[:10]}"
    editor = stack.editor()
    draft = editor.post("/articles", json={"title": mark, "category": target.category,
                                           "body": "B"})
    assert draft.status_code == 201, draft.text
    article_id = draft.json()["id"]
    editor.post(f"/articles/{article_id}/publish").raise_for_status()
    comments = stack.client("comments")
    # Once the comments service knows this article, it has taken every earlier event too.
    wait_for(lambda: comments.get(f"/articles/{article_id}/comments").status_code == 200,
             what="the comments service to learn of the sentinel article")
    posted = comments.post(f"/articles/{article_id}/comments", json={"nic": mark, "body": mark})
    assert posted.status_code == 201, posted.text
    feeds = stack.client("feeds")
    for stem in ("site", f"categories/{target.category}", "comments",
                 f"articles/{article_id}/comments"):
        def shows_mark(stem: str = stem) -> bool:
            return mark.encode() in feeds.get(f"/{stem}.rss").content
        wait_for(shows_mark, what=f"{stem} to show {mark!r} (feeds still render)")


def reply_mail(settings: NotifySettings, *, title: str, nic: str,
               body_html: str) -> None:
    """A reply e-mail with these texts builds, and its bytes parse raw without defects."""
    key = "reply:1:1"
    content = {"comment_id": 1, "article_id": 1, "article_title": title,
               "article_url": "https://burg.example/articles/a", "replier_nic": nic,
               "recipient_nic": nic, "body_html": body_html, "follows_thread": False}
    delivery = Delivery(key=key, kind="reply", address_id=1, content=content,
                        message_id=messages.message_id(settings, key))
    address = Address(id=1, email="reader@example.org", consent=Consent.confirmed)
    parse_mail_raw(messages.build(settings, Tokens(settings), delivery, address))


def reply_mails_build(stored: Stored, target: Target, tmp_path: Path) -> None:
    settings = NotifySettings(site_url="https://burg.example",
                              smtp_from="Burg <noreply@burg.example>", data_dir=tmp_path)
    for text in stored.titles:
        reply_mail(settings, title=text, nic=text, body_html=f"<p>{html.escape(text)}</p>")
    for body_html in stored.bodies_html:
        reply_mail(settings, title=target.title, nic="Reader", body_html=body_html)


def sent_mails_parse(stack: Stack) -> None:
    """Every e-mail the SMTP sink received, read raw (compat32), has no defect."""
    folder = stack.data_dir / "mail" / "new"
    for path in folder.iterdir() if folder.exists() else []:
        message = BytesParser(policy=policy.compat32).parsebytes(path.read_bytes())
        for part in message.walk():
            assert not part.defects, (path.name, part.defects)
