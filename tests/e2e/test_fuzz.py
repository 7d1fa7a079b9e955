"""Generated requests against a Burg of its own: schemathesis over each API's OpenAPI
document (valid and invalid requests, as an editor where a route takes one), and Hypothesis
over the site's routes. No answer may be a 5xx; the APIs' answers must match their
documents (body schema and content type of each documented status). Bounded for CI and
derandomized: the same requests on every run."""

import string
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.comments.helpers import open_article, post
from tests.conftest import STACK_ENV, Stack, running_stack

EXAMPLES = 25  # per operation and mode: about 2,000 API requests in all
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # A Burg of its own: the generated categories, articles and bans stay out of the others'.
    with running_stack(tmp_path_factory.mktemp("fuzzed"), None, STACK_ENV) as running:
        post(running.client("comments"), open_article(running), "A comment to find.")
        yield running


@pytest.mark.parametrize("service", ["posts", "comments", "notify", "feeds"])
def test_no_generated_request_gets_a_5xx_or_an_undocumented_answer(site: Stack,
                                                                  service: str) -> None:
    base = site.urls[service]
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    editor = {"Authorization": f"Bearer {site.editor_token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, f"{service}: no operation in its OpenAPI document"
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=base, headers=editor, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid (no parameter, no body)
                assert mode is GenerationMode.NEGATIVE, operation.label


SEGMENT = st.one_of(st.text(max_size=30), st.sampled_from(
    ["%3F", "%00", "%2F", "..", "?limit=100", "\x00", "\ud800", "a" * 500, "-", "1e9",
     "99999999999999999999", "0", "-1"]))
VALUE = st.one_of(st.none(), st.text(max_size=60), st.sampled_from(
    ["", "%00", "A" * 5000, "MjAyNS0wMS0wMVQwMDowMDowMCswMDowMHw5OTk5OTk5OTk5OTk5OTk5OTk5",
     "MDAwMDAwMDE", "-1", "99999999999999999999"]))
ROUTES = ["/", "/categories/{}", "/articles/{}", "/comments/{}", "/editor",
          "/editor/articles/{}", "/subscriptions/confirm", "/subscriptions/unsubscribe",
          "/all-feeds", "/static/{}", "/{}", "/archive/{}/", "/archive/2026/{}/",
          "/archive/2026/11/{}/", "/comments/{}/edit", "/comments/{}/delete",
          "/comments/{}/report", "/my-comments", "/me/forget", "/me/recovery", "/me/recover",
          "/me/recovery-link",
          "/nics/{}", "/recent",
          "/search", "/editor/desk", "/editor/categories", "/editor/articles/{}/retract",
          "/editor/moderation", "/editor/moderation/{}", "/editor/editors",
          "/editor/editors/{}", "/editor/forget"]


def text(typed: str) -> str:
    """What a browser can send of typed text: UTF-8, lone surrogates dropped."""
    return typed.encode("utf-8", "ignore").decode()


def segment(typed: str) -> str:
    """A typed path segment as a browser sends it: percent-encoded UTF-8."""
    return quote(text(typed), safe=string.ascii_letters + string.digits)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_no_page_address_gets_a_5xx(site: Stack, method: str) -> None:
    article = open_article(site)  # the generated requests may have retracted the first one
    post(site.client("comments"), article, "A comment to find.")
    slug = site.editor().get(f"/articles/by-id/{article}").json()["slug"]
    routes = [*ROUTES, f"/articles/{slug}?{{}}", f"/articles/{slug}/comments"]
    failures: list[str] = []
    with httpx.Client(base_url=site.urls["site"], timeout=30) as http:

        @settings(max_examples=400, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(route=st.sampled_from(routes), part=SEGMENT,
               query=st.dictionaries(st.sampled_from(
                   ["cursor", "before", "reply_to", "token", "limit", "page", "code", "x"]), VALUE,
                   max_size=3),
               cookie=st.one_of(st.none(), st.text(string.printable, max_size=40)))
        def run(route: str, part: str, query: dict[str, str | None], cookie: str | None
                ) -> None:
            path = route.replace("{}", segment(part))
            # Hand-made cookies too: the site's own names, with any printable value.
            headers = {"Cookie": "; ".join(f"{name}={quote(cookie)}" for name in (
                "burg_commenter", "burg_editor", "burg_csrf"))} if cookie is not None else {}
            params = {k: v for k, v in query.items() if v is not None}
            response = http.request(method, path, params=params, headers=headers,
                                    data={"csrf": uuid.uuid4().hex, "body": text(part)}
                                    if method == "POST" else None)
            if response.status_code >= 500:
                failures.append(f"{method} {path} {params}: {response.status_code}")

        run()
    assert not failures, "\n".join(failures[:20])
