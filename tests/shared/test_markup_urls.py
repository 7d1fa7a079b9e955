"""Bare URLs and the punctuation after them: same split as ever, in linear time."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.markup import render
from shared.markup.urls import _TRAILING, split_trailing


def _by_recounting(url: str) -> tuple[str, str]:
    """The rule as first written: recount the parentheses before each stripped character."""
    end = len(url)
    while end:
        last = url[end - 1]
        unbalanced = last == ")" and url.count(")", 0, end) > url.count("(", 0, end)
        if last not in _TRAILING and not unbalanced:
            break
        end -= 1
    return url[:end], url[end:]


@given(st.text(alphabet="ab()" + _TRAILING, max_size=40))
def test_split_is_the_rule_it_always_was(tail: str) -> None:
    url = "https://x.org/" + tail
    assert split_trailing(url) == _by_recounting(url)


def test_wikipedia_parentheses_stay_and_sentence_ones_go() -> None:
    assert split_trailing("https://x.org/Foo_(bar)).") == ("https://x.org/Foo_(bar)", ").")
    assert split_trailing("https://x.org/a))),") == ("https://x.org/a", "))),")


# Each stripped ")" used to recount the whole URL: a run of n took n²/2 character visits
# (99,000 took 6 s; these 2,000,000 would take over half an hour). Linear, it takes well
# under a second, so the generous timeout only catches the quadratic rule.
@pytest.mark.timeout(60)
def test_a_huge_run_of_closing_parentheses_is_split_in_linear_time() -> None:
    run = ")" * 2_000_000
    assert split_trailing("https://x.org/a" + run) == ("https://x.org/a", run)
    half = "(" * 1_000_000
    assert split_trailing("https://x.org/" + half + run) == (
        "https://x.org/" + half + ")" * 1_000_000, ")" * 1_000_000)


@pytest.mark.timeout(60)
def test_an_article_sized_run_of_parentheses_renders_quickly() -> None:
    html = render("see https://x.org/a" + ")" * 99_000)
    assert html.startswith('<p>see <a href="https://x.org/a"')
    assert html.endswith(")" * 99_000 + "</p>")
