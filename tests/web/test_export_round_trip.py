"""The round trip of issue 21: a site's export, imported into an empty Burg with its own
import commands (posts', then comments'), gives the same pages: each article as its API reads
it, and each thread, comment by comment, with its threading and placeholders. Once for each
format: WXR (`import-wordpress`) and JSON (`import-burg`), each into an empty Burg of its own
(started when the other is stopped: the suite's stack budget, tests/conftest.py)."""

import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.comments.helpers import moderator, post
from tests.conftest import STACK_ENV, Stack, running_stack, wait_for

# What a page shows of an article, and of each comment (its parent by its place in the
# thread: ids are the new site's own). WordPress keeps times to the second; JSON whole.
ARTICLE = ("title", "slug", "dateline", "dateline_place", "source_name", "source_url",
           "source_note", "posted_by", "body_html", "published_at", "comments_open")
COMMENT = ("number", "depth", "nic", "website", "body_html", "created_at", "edited_at",
           "removed", "status")
# Each format: the export's --format, and the import command of both services.
IMPORTS = {"wxr": "import-wordpress", "json": "import-burg"}


@pytest.fixture(scope="module", params=sorted(IMPORTS))
def format_(request: pytest.FixtureRequest) -> str:
    """The format of the export (the module's tests run for one, then for the other)."""
    name: str = request.param
    return name


@pytest.fixture(scope="module")
def empty(format_: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """An empty Burg with a Redis of its own, for the import of one format (the previous
    format's is stopped before: pytest finishes a fixture whose parameter changed first)."""
    with running_stack(tmp_path_factory.mktemp(f"round-trip-{format_}"), None,
                       STACK_ENV) as running:
        yield running


@dataclass
class Site:
    """The source site's articles (by slug), once exported and imported into `empty`."""

    slugs: list[str]


@pytest.fixture(scope="module")
def site(stack: Stack) -> Site:
    """Two articles with odd text and a thread with a placeholder on the session's site
    (made once, exported in each format)."""
    editor = stack.editor()
    category = editor.post("/categories", json={"name": f"Round & <trip> {uuid.uuid4().hex[:6]}",
                                                "description": "Q&A <live>"}).json()["slug"]
    slugs = []
    for title, body in (("Tom & Jerry <live>", "[b]Bold[/b], [i]italic[/i] and a link: "
                         "[url=https://example.org/a?b=1&c=2]there[/url].\n\n"
                         "[quote]Quoted ]]> words.[/quote]\n\n[*] one\n[*] two"),
                        ("Plain", "Just words.")):
        draft = editor.post("/articles", json={
            "title": title, "category": category, "body": body, "dateline_place": "OSLO",
            "source_name": "Wire", "source_url": "https://wire.example/story?x=1",
            "source_note": "Translated."}).json()
        slugs.append(editor.post(f"/articles/{draft['id']}/publish").json()["slug"])
    first = stack.client("posts").get(f"/articles/{slugs[0]}").json()["id"]
    comments = stack.client("comments")
    wait_for(lambda: comments.get(f"/articles/{first}/comments").status_code == 200,
             what="the comments service to learn of the article")
    top = post(comments, first, "[b]Top[/b] <script>x</script>", nic=f"Alice {first}",
               website="https://alice.example/?a=1&b=2")["comment"]["id"]
    post(comments, first, "Odd names", nic=f"Bob & <Carol> {first}", parent_id=top)
    rude = post(comments, first, "Rude", parent_id=top)["comment"]["id"]
    below = post(comments, first, "Under the rude one", parent_id=rude)["comment"]["id"]
    post(comments, first, "Deeper\n\nTwo paragraphs", parent_id=below)
    hidden = post(comments, first, "Spam")["comment"]["id"]
    assert moderator(stack).delete(f"/comments/{rude}").status_code == 204
    assert moderator(stack).post(f"/comments/{hidden}/hide").status_code == 200
    return Site(slugs)


@pytest.fixture(scope="module")
def moved(stack: Stack, site: Site, format_: str, empty: Stack,
          tmp_path_factory: pytest.TempPathFactory) -> Site:
    """The site exported with the command line in `format_` and imported into `empty`."""
    exported = tmp_path_factory.mktemp("export") / f"burg.{format_}"
    done = subprocess.run([sys.executable, "-m", "services.web.export", "--format", format_,
                           f"--token={stack.editor_token}"], env=stack.env, capture_output=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    exported.write_bytes(done.stdout)
    command = IMPORTS[format_]
    _run(empty, "services.posts.cli", command, str(exported), "--editor", "Tester")
    posts, threads = empty.client("posts"), empty.client("comments")
    for slug in site.slugs:
        wait_for(lambda s=slug: threads.get(  # type: ignore[misc]
            f"/articles/{posts.get(f'/articles/{s}').json()['id']}/comments"
        ).status_code == 200, what=f"the new site's comments service to learn of {slug}")
    _run(empty, "services.comments.cli", command, str(exported))
    return site


def _run(stack: Stack, *command: str) -> str:
    done = subprocess.run([sys.executable, "-m", *command], env=stack.env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{command}: {done.stdout}\n{done.stderr}"
    return done.stdout


def _page(stack: Stack, slug: str, whole: bool) -> tuple[Any, list[Any]]:
    """The article `slug` and its thread, as the site's pages show them (times to the second
    unless `whole`)."""
    at = (lambda value: value) if whole else _second
    article = stack.client("posts").get(f"/articles/{slug}").json()
    thread = stack.client("comments").get(f"/articles/{article['id']}/comments",
                                          params={"limit": 500}).json()["comments"]
    places = {c["id"]: n for n, c in enumerate(thread)}
    shown = {name: at(article[name]) for name in ARTICLE} | {
        "category": {k: article["category"][k] for k in ("slug", "name", "description")}}
    return shown, [{name: at(c[name]) for name in COMMENT} | {
        "parent": places.get(c["parent_id"])} for c in thread]


def _second(value: Any) -> Any:
    """A moment to the second (WordPress's precision); anything else as it is."""
    if isinstance(value, str) and len(value) > 19 and value[10:11] == "T":
        return value[:19]
    return value


def test_the_threading_and_its_placeholder_come_back(empty: Stack, moved: Site) -> None:
    thread = _page(empty, moved.slugs[0], whole=False)[1]
    assert [(c["parent"], c["removed"]) for c in thread] == [
        (None, False), (0, False), (0, True), (2, False), (3, False)]


def test_the_pages_come_back_exactly_the_same(stack: Stack, empty: Stack, moved: Site,
                                              format_: str) -> None:
    for slug in moved.slugs:
        whole = format_ == "json"  # JSON keeps times to the microsecond
        assert _page(empty, slug, whole) == _page(stack, slug, whole)
