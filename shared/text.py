"""Checks for text people type, as pydantic field validators: each failure is a clear 422."""

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # all C0 but tab, LF, CR; and DEL
# Bidirectional overrides let "Frank\u202eknarF" pass for someone else: not in names and titles.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def one_line(value: str | None) -> str | None:
    """A one-line field (title, nic, name): no line breaks or control characters; trimmed."""
    if value is None:
        return None
    if _CONTROL.search(value) or _BIDI.search(value) or any(c in value for c in "\n\r\t"):
        raise ValueError("must be one line without control characters")
    return value.strip()


def text(value: str | None) -> str | None:
    """A multi-line field (a body): no control characters but line breaks and tabs."""
    if value is not None and _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


def required(value: str | None) -> str | None:
    """A field that must say something: not empty, not only spaces."""
    if value is not None and not value.strip():
        raise ValueError("must not be blank")
    return value
