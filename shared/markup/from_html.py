"""HTML (an imported article or comment body) to site markup.

A first version: the text only, tags dropped. To be replaced by the converter that maps bold,
italic, links, quotes, lists and pictures to the markup's tags.
"""

import html

import nh3


def from_html(source: str) -> str:
    """The text of `source`, its tags dropped and its entities decoded."""
    return html.unescape(nh3.clean(source, tags=set())).strip()
