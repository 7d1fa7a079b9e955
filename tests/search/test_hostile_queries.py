"""Any query at all, over all of Unicode (lone surrogates and NUL included, sent as the
bytes a hand-made URL can carry), gets results (200) or a clear 422, never a 5xx; and no
snippet ever holds markup other than `<mark>`."""

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.search.inprocess import SearchApi, article, comment, search_api

ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=80)
WITH_WORDS = st.lists(st.sampled_from(["fares", "ferry", '"', "NEAR", "AND", "OR", "NOT",
                                       "*", "^", ":", "title:", "(", ")", "-", "<b>", "&",
                                       "\x00", "\ud800", " "]), max_size=12).map("".join)
ONLY_MARKS = re.compile(r"</?(?!mark>)[a-zA-Z]")


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[SearchApi]:
    with search_api(tmp_path_factory.mktemp("search"), redis_url) as running:
        running.handle(article(body="<p>Fares on the <b>ferry</b> &lt;script&gt;.</p>"))
        running.handle(comment(7, "The ferry's fares: NEAR AND * ^ title:x <i>ok</i>"))
        yield running


def ask(api: SearchApi, q: str, order: str) -> None:
    raw = quote(q.encode("utf-8", "surrogatepass"), safe="")
    response = api.client.get(f"/api/search/?q={raw}&order={order}")
    assert response.status_code in (200, 422), (q, response.status_code, response.text)
    body = response.json()
    if response.status_code == 422:
        assert body["detail"]
        return
    for hit in body["results"]:
        assert not ONLY_MARKS.search(hit["snippet_html"] + hit["title_html"]), hit


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=ANY_TEXT, order=st.sampled_from(["newest", "relevant"]))
def test_any_unicode_query_is_answered_200_or_422(api: SearchApi, q: str, order: str) -> None:
    ask(api, q, order)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=WITH_WORDS, order=st.sampled_from(["newest", "relevant"]))
def test_operators_among_real_words_are_answered_200_or_422(api: SearchApi, q: str,
                                                            order: str) -> None:
    ask(api, q, order)


def test_the_generated_queries_do_find_things(api: SearchApi) -> None:
    """(So that the properties above are about searches that return results too.)"""
    assert api.ids('fares "the ferry" NEAR', order="relevant") == [("comment", 7)]
    assert {kind for kind, _ in api.ids("ferry fares")} == {"article", "comment"}
