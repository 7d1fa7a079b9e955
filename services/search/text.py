"""Text as the index holds it, and snippets as the API gives them: plain text in, escaped
HTML with `<mark>` around the words found out."""

import html
import re

from lxml import html as lxml_html
from lxml.etree import ParserError

# The marks the database puts around a word found. Private-use characters, taken out of
# every text before it is indexed: whatever a text holds, it cannot fake a mark.
START, STOP = "\ue000", "\ue001"
_MARKS = re.compile(f"[{START}{STOP}]")
_SPACE = re.compile(r"\s+")
_BLOCK = re.compile(r"(?i)(</?(?:p|div|br|li|ul|ol|blockquote|h\d)\b)")


def plain(body_html: str) -> str:
    """The words of an article's or a comment's HTML, as plain text on one line."""
    if not body_html.strip():
        return ""
    try:
        # Blocks end words: "</p><p>" is a space, not two words run together.
        text = lxml_html.fromstring(_BLOCK.sub(r" \1", body_html)).text_content()
    except (ParserError, ValueError):
        text = re.sub(r"<[^>]*>", " ", body_html)
    return searchable(text)


def searchable(text: str) -> str:
    """`text` on one line, without the characters that mark a word found."""
    return _SPACE.sub(" ", _MARKS.sub(" ", text)).strip()


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
