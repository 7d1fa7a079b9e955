"""Which URLs the markup accepts, and how a squished one is shown."""

import re
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2000
WEB = frozenset({"http", "https"})
SECURE = frozenset({"https"})

# Rejected rather than escaped, so a quote or bracket typed into a URL can never end up in an
# attribute, whatever happens to the escaping later.
_URL_CHARS = re.compile(r"[^\s\"<>\\`\x00-\x1f\x7f]+")
# Sentence punctuation that ends a bare URL far more often than it belongs to it.
_TRAILING = ".,;:!?'*"


def safe_url(url: str, schemes: frozenset[str] = WEB) -> str | None:
    """`url` without surrounding spaces if it is an absolute URL with one of `schemes` and a
    host, of sane length and characters; otherwise None."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH or not _URL_CHARS.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed [IPv6] host
        return None
    if parts.scheme.lower() not in schemes or not host:
        return None
    return url


def split_trailing(url: str) -> tuple[str, str]:
    """A bare URL found in prose, split from the punctuation after it that ends the sentence.
    A closing parenthesis stays when the URL opened one (Wikipedia's `Foo_(bar)`)."""
    # Counted once and kept up to date while stripping from the end, so the work is linear in
    # the URL's length: recounting for each stripped character made a long run of ")" quadratic.
    # Only ")" is ever stripped of the two, so only `closes` changes.
    opens, closes = url.count("("), url.count(")")
    end = len(url)
    while end:
        last = url[end - 1]
        if last == ")" and closes > opens:
            closes -= 1
        elif last not in _TRAILING:
            break
        end -= 1
    return url[:end], url[end:]


def squish_label(href: str) -> str:
    """What a squished link shows: its host and an ellipsis."""
    return f"{urlsplit(href).hostname}/…"
