"""Text as the index holds it, and snippets as the API gives them: plain text in, escaped
HTML with `<mark>` around the words found out."""

import html
import re

from lxml import etree

# The marks the database puts around a word found. Private-use characters, taken out of
# every text before it is indexed: whatever a text holds, it cannot fake a mark.
START, STOP = "\ue000", "\ue001"
_BLOCK = re.compile(r"(?i)(</?(?:p|div|br|li|ul|ol|blockquote|h\d)\b)")
# libxml2's HTML parser, as lxml.html's own, without lxml.html's element classes and its
# search for the fragment's element: the text of the whole document is the same, in a third
# of the time.
_PARSER = etree.HTMLParser()


def plain(body_html: str) -> str:
    """The words of an article's or a comment's HTML, as plain text on one line."""
    if not body_html.strip():
        return ""
    try:
        # Blocks end words: "</p><p>" is a space, not two words run together.
        root = etree.fromstring(_BLOCK.sub(r" \1", body_html), _PARSER)
    except (etree.ParserError, ValueError):
        root = None
    # No element at all (only comments, say): the text between the tags.
    text = re.sub(r"<[^>]*>", " ", body_html) if root is None else root.xpath("string()")
    return searchable(str(text))


def searchable(text: str) -> str:
    """`text` on one line, without the characters that mark a word found. (`str.split`
    splits where the regular expression `\\s+` would, without its cost.)"""
    return " ".join(text.replace(START, " ").replace(STOP, " ").split())


def marked_html(marked: str) -> str:
    """A snippet the database marked, as HTML: all of it escaped, then the marks made `<mark>`
    (an unclosed one closed, so that a snippet never leaves a mark open in the page)."""
    escaped = html.escape(marked, quote=True)
    out, open_ = [], False
    for piece in re.split(f"([{START}{STOP}])", escaped):
        if piece == START and not open_:
            out.append("<mark>")
            open_ = True
        elif piece == STOP and open_:
            out.append("</mark>")
            open_ = False
        elif piece not in (START, STOP):
            out.append(piece)
    return "".join(out) + ("</mark>" if open_ else "")
