"""Hostile text for Hypothesis, and how a client judges what came back.

`hostile` draws from every plane of Unicode, lone surrogates included, with extra weight on
what breaks XML, HTML and mail: controls, noncharacters, line and paragraph separators,
bidirectional controls, combining marks, right-to-left letters, and very long strings. The
checks below are written from the standards (XML 1.0's Char production, Unicode's
noncharacters), not from `shared/text.py`, so that they judge it rather than repeat it.
"""

import json
import unicodedata
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


# Examples are derived from the test's name (no database, no randomness): CI sees the same
# examples every run, and a failure is reproduced by running the test again.
def bounded(examples: int) -> settings:
    """Hypothesis settings for `examples` examples, reproducible and without a deadline."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


SPECIAL = (
    [chr(c) for c in range(0x20)] + [chr(c) for c in range(0x7F, 0xA0)]  # C0, DEL, C1
    + [chr(c) for c in range(0xFDD0, 0xFDF0, 5)]  # noncharacters in the BMP
    + [chr(p << 16 | low) for p in range(17) for low in (0xFFFE, 0xFFFF)]  # and in every plane
    + ["\ud800", "\udbff", "\udc00", "\udfff"]  # lone surrogates
    + ["\u2028", "\u2029", "\r\n", "\u200b", "\u200d", "\ufeff", "\ufffd", "\u00a0", "\u3000"]
    + ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
    + ["\u0301", "\u0308\u0308\u0308", "\u05d0\u05d1", "\u0627\u0644", "\U0001f600",
       "\U000e0001", "\U000f0000", "\U0010fffd"]  # marks, Hebrew, Arabic, emoji, tags, private
    + ["<", "&", "]]>", "=?utf-8?q?=0A?=", "\\", '"', "'", "[b]", "[/quote]", "http://x.y/"]
)
ANY_CHARACTER = st.characters(exclude_categories=())  # every code point, surrogates too
_PIECES = st.one_of(ANY_CHARACTER, st.sampled_from(SPECIAL),
                    st.text(ANY_CHARACTER, min_size=1, max_size=5))
_SHORT = st.lists(_PIECES, max_size=30).map("".join)


def hostile(max_size: int = 12_000) -> st.SearchStrategy[str]:
    """Arbitrary text, mostly short, sometimes thousands of characters long."""
    long = st.tuples(_SHORT, st.integers(min_value=2, max_value=2_000)).map(
        lambda pair: (pair[0] * pair[1])[:max_size])
    return st.one_of(_SHORT, _SHORT, _SHORT, long)


def is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def xml_forbids_or_discourages(char: str) -> bool:
    """XML 1.0 (fifth edition) §2.2: outside `Char`, or among the characters it discourages."""
    code = ord(char)
    allowed = code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD \
        or 0x10000 <= code <= 0x10FFFF
    return not allowed or 0x7F <= code <= 0x9F or is_noncharacter(char)


def uncarriable(value: str, *, one_line: bool) -> list[str]:
    """The characters of `value` a stored field must not hold (empty: all is well)."""
    line_breaks = "\r\x85\u2028\u2029" + ("\n\t" if one_line else "")
    bidi = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" if one_line else ""
    return [f"U+{ord(c):04X}" for c in value
            if xml_forbids_or_discourages(c) or c in line_breaks or c in bidi
            or (unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n")]


def normalised(value: str, *, one_line: bool) -> str:
    """What the README promises a stored field reads back as."""
    if one_line:
        return value.strip()
    for brk, lf in (("\r\n", "\n"), ("\r", "\n"), ("\x85", "\n"), ("\u2028", "\n"),
                    ("\u2029", "\n\n")):
        value = value.replace(brk, lf)
    return value


def as_json(payload: dict[str, Any]) -> bytes:
    """A JSON request body as any client may send it: lone surrogates as `\\ud800` escapes
    (httpx's own encoder cannot write them)."""
    return json.dumps(payload).encode()


def names_field(response: Any, field: str) -> bool:
    """Whether a 4xx JSON answer names `field` (in its detail, or the location of an error)."""
    body = response.json()
    located = any(field in map(str, error.get("loc", [])) for error in body.get("errors", []))
    return located or field in str(body.get("detail", ""))


def parse_mail_raw(message: EmailMessage) -> Message:
    """A built e-mail's bytes, parsed the way mail clients read them (compat32: no decoding
    of headers), failing on any defect the parser notes."""
    raw = message.as_bytes(policy=policy.SMTP)
    raw.split(b"\r\n\r\n", 1)[0].decode("ascii")  # headers are 7-bit (RFC 5322)
    parsed = BytesParser(policy=policy.compat32).parsebytes(raw)
    for part in parsed.walk():
        assert not part.defects, (part.defects, raw[:2000])
    return parsed
