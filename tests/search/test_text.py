"""What the index holds of a text: the words of its HTML, on one line, without the marks."""

import pytest

from services.search.text import plain, searchable


@pytest.mark.parametrize("body_html, words", [
    ("<p>The ferry <b>fa</b>res rose.</p><p>Again.</p>", "The ferry fares rose. Again."),
    ("<ul><li>one<li>two</ul>line<br>break", "one two line break"),
    ('<p>See <a href="https://x.example/?a=1&amp;b=2">the &lt;notice&gt;</a>&nbsp;!</p>',
     "See the <notice> !"),
    ("<h1>Title</h1>text \ue000fake\ue001 mark", "Title text fake mark"),
    ("words without tags", "words without tags"), ("  \n ", ""), ("<!-- nothing -->", ""),
    ("<pre>  two\n\tlines  </pre>", "two lines")])
def test_plain_is_the_words_of_the_html_on_one_line(body_html: str, words: str) -> None:
    assert plain(body_html) == words


def test_searchable_splits_where_any_unicode_space_is() -> None:
    assert searchable(" a\u00a0b\u2028c\x1cd\u3000e \ue000f\ue001 ") == "a b c d e f"
