"""A feed is fresh on the first request after a change, on a running Burg: once a render has
committed, no request that began more than the freshness bound (KEPT_FOR) later is answered
with the old document, whether it asks with If-None-Match (no 304 for the old ETag) or not,
after a retraction, a hidden comment and a deleted comment.

The moment of the commit is when this test first sees the new revision in the feeds database
(a little after the commit itself: the check is, if anything, lenient by that much)."""

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from services.feeds.serving import KEPT_FOR
from tests.comments.helpers import moderator, post
from tests.conftest import Stack, wait_for
from tests.posts.helpers import new_article, new_category


@dataclass(eq=False)
class Poller(threading.Thread):
    """A reader polling one feed back to back with If-None-Match: the old ETag."""

    url: str
    etag: str
    answers: list[tuple[float, int, str]] = field(default_factory=list)  # (began, status, etag)
    stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        super().__init__(daemon=True)

    def run(self) -> None:
        with httpx.Client(timeout=10, headers={"Accept-Encoding": "identity"}) as http:
            while not self.stop.is_set():
                began = time.monotonic()
                response = http.get(self.url, headers={"If-None-Match": self.etag})
                self.answers.append((began, response.status_code, response.headers["etag"]))


def stored(stack: Stack, paths: Iterable[str]) -> dict[str, tuple[int, bytes]]:
    """(revision, bytes) of each stored document among `paths`."""
    names = {f"p{n}": path for n, path in enumerate(paths)}
    rows = stack.sql("feeds", f"SELECT path, revision, body FROM feeddocument WHERE path IN "
                              f"({', '.join(':' + name for name in names)})", **names)
    return {path: (int(revision), bytes(body)) for path, revision, body in rows}


def committed(stack: Stack, before: dict[str, tuple[int, bytes]]) -> dict[str, float]:
    """When each of these documents was first seen changed (a new revision, or deleted)."""
    seen: dict[str, float] = {}
    deadline = time.monotonic() + 60
    while len(seen) < len(before):
        now_stored = stored(stack, before)
        now = time.monotonic()
        for path, (revision, _) in before.items():
            if path not in seen and now_stored.get(path, (None,))[0] != revision:
                seen[path] = now
        assert now < deadline, f"no new revision of {set(before) - set(seen)}"
    return seen


def etag_of(feeds: httpx.Client, path: str, **headers: str) -> str:
    response = feeds.get(path, headers=headers)
    assert response.status_code == 200, path
    return response.headers["etag"]


def check_fresh(stack: Stack, change: Callable[[], object], polled: str,
                first_requests: list[str]) -> None:
    """Make `change`; a reader polls `polled` throughout, and each of `first_requests` is
    asked for once only, the bound after its new revision committed: all must be new."""
    feeds = stack.client("feeds")
    paths = [polled, *first_requests]
    # Each copy is read before the change: the reader's plain, the others gzipped.
    etags = {path: etag_of(feeds, path) for path in first_requests}
    etags[polled] = etag_of(feeds, polled, **{"Accept-Encoding": "identity"})
    before = stored(stack, paths)
    poller = Poller(f"{stack.urls['feeds']}/feeds/{polled}", etags[polled])
    poller.start()
    try:
        change()
        seen = committed(stack, before)
        for path in first_requests:
            # A document made on request (an article's comment feed before its first comment:
            # empty_feeds.py) changed with the read model, before the polled feed's render.
            seen.setdefault(path, seen[polled])
            while time.monotonic() <= seen[path] + KEPT_FOR:  # the bound is what is measured
                time.sleep(0.01)
            then = stored(stack, [path]).get(path)
            response = feeds.get(path, headers={"If-None-Match": etags[path]})
            if then is None:
                assert response.status_code == 404, f"{path}: still served once deleted"
                continue
            assert response.status_code == 200, f"{path}: {response.status_code} for the old ETag"
            # What was stored when it was asked for (or a render that committed meanwhile).
            assert response.content in (then[1], stored(stack, [path])[path][1]), (
                f"{path}: not the stored document")
        bound = seen[polled] + KEPT_FOR
        wait_for(lambda: any(began > bound for began, _, _ in poller.answers),
                 what="answers to the reader after the bound")
    finally:
        poller.stop.set()
        poller.join(timeout=30)
    late = [(began - seen[polled], status) for began, status, etag in poller.answers
            if began > bound and (status != 200 or etag == etags[polled])]
    assert not late, f"the old document, s after the commit: {late}"
    old = [began - seen[polled] for began, _, etag in poller.answers if etag == etags[polled]]
    if old:
        print(f"{polled}: the old document was last served to a request begun "
              f"{max(old) * 1000:.0f} ms after the commit was seen (bound "
              f"{KEPT_FOR * 1000:.0f} ms)")


def test_a_retracted_article_is_gone_from_the_first_request_after_the_bound(
        stack: Stack) -> None:
    category = new_category(stack)
    stem = f"categories/{category['slug']}"
    kept = new_article(stack, category["slug"])
    article = new_article(stack, category["slug"])
    feeds = stack.client("feeds")
    wait_for(lambda: article["title"] in feeds.get(f"{stem}.rss").text and kept["title"]
             in feeds.get(f"{stem}.rss").text, what="both articles in the category feed")
    thread = f"articles/{article['id']}/comments"
    check_fresh(stack, lambda: stack.editor().post(f"/articles/{article['id']}/retract")
                .raise_for_status(), polled=f"{stem}.rss",
                first_requests=[f"{stem}.atom", f"{stem}.json", f"{thread}.rss"])
    assert article["title"] not in feeds.get(f"{stem}.rss").text


def commented_article(stack: Stack) -> tuple[dict[str, object], list[dict[str, object]]]:
    article = new_article(stack, new_category(stack)["slug"])
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{article['id']}/comments").status_code == 200,
             what="the article in comments")
    notes = [post(comments, article["id"], f"Note {n}.")["comment"] for n in range(2)]
    feeds = stack.client("feeds")
    wait_for(lambda: all(f"comment-{n['id']}" in feeds.get("comments.json").text
                         and f"comment-{n['id']}" in feeds.get(
                             f"articles/{article['id']}/comments.json").text for n in notes),
             what="the comments in their feeds")
    return article, notes


def test_a_hidden_comment_is_gone_from_the_first_request_after_the_bound(stack: Stack) -> None:
    article, [_, hidden] = commented_article(stack)
    thread = f"articles/{article['id']}/comments"
    check_fresh(stack, lambda: moderator(stack).post(f"/comments/{hidden['id']}/hide")
                .raise_for_status(), polled=f"{thread}.rss",
                first_requests=[f"{thread}.atom", f"{thread}.json", "comments.rss"])


def test_a_deleted_comment_is_gone_from_the_first_request_after_the_bound(stack: Stack) -> None:
    article, [deleted, _] = commented_article(stack)
    thread = f"articles/{article['id']}/comments"
    check_fresh(stack, lambda: moderator(stack).delete(f"/comments/{deleted['id']}")
                .raise_for_status(), polled=f"{thread}.json",
                first_requests=[f"{thread}.atom", "comments.atom", "comments.json"])
