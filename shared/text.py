"""What text the APIs take: the pydantic field validators every text field goes through.

A value ends up in XML (feeds), HTML (pages) and e-mail, so every field refuses what one of
them cannot carry: C0 controls (multi-line fields keep tab and line feed), DEL and the C1
controls, lone surrogates, and the 66 noncharacters (U+FDD0 to U+FDEF and the last two code
points of every plane, U+FFFE/U+FFFF included). One-line fields (titles, names, nics) also
refuse line and paragraph separators (U+0085, U+2028, U+2029) and tabs, and bidirectional
overrides; multi-line fields (bodies, descriptions) instead turn every kind of line break into
a line feed. A refusal is a ValueError naming the character and its place, which the APIs
answer with a 422 naming the field. The README lists the same rules for readers.
"""

import re
import unicodedata
from collections.abc import Callable
from email.utils import getaddresses
from typing import Annotated, Any

from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator

NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane << 16 | 0xFFFE)}{chr(plane << 16 | 0xFFFF)}" for plane in range(17))
_NONCHARACTER = re.compile(f"[{NONCHARACTERS}]")
# Never in any field: XML 1.0 forbids or discourages them, HTML calls them parse errors, and a
# lone surrogate cannot even be written as UTF-8.
UNCARRIABLE = re.compile(
    f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{NONCHARACTERS}]")
# Not in one-line fields either: line breaks of every kind and tabs; and bidirectional
# overrides, which let "Frank\u202eknarF" pass for someone else.
_BREAK_OR_TAB = re.compile("[\t\n\r\x85\u2028\u2029]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# Line breaks browsers (CRLF), old Macs (CR), EBCDIC (NEL) and word processors (LS, PS) send.
_LINE_BREAK = re.compile("\r\n?|[\x85\u2028]")


def one_line(value: str | None) -> str | None:
    """A one-line field (title, name, nic): refuses line breaks, tabs, bidirectional overrides
    and what no field may hold; trimmed."""
    if value is None:
        return None
    _refuse(UNCARRIABLE, value)
    _refuse(_BREAK_OR_TAB, value, "must be one line: no")
    _refuse(_BIDI, value)
    return value.strip()


def text(value: str | None) -> str | None:
    """A multi-line field (a body, a description): line breaks become line feeds (a paragraph
    separator an empty line); refuses what no field may hold."""
    if value is None:
        return None
    value = _LINE_BREAK.sub("\n", value).replace("\u2029", "\n\n")
    _refuse(UNCARRIABLE, value)
    return value


def required(value: str | None) -> str | None:
    """A field that must say something: not empty, not only spaces."""
    if value is not None and not value.strip():
        raise ValueError("must not be blank")
    return value


def mail_address(value: str | None) -> str | None:
    """An e-mail address as every mail server takes it: ASCII, the domain in its IDNA form
    (`a@bücher.de` → `a@xn--bcher-kva.de`); a name before the @ that needs SMTPUTF8 (which
    most relays lack) is refused."""
    if value is None:
        return None
    try:
        address = validate_email(value, check_deliverability=False,
                                 allow_smtputf8=False).ascii_email
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    assert address is not None  # without SMTPUTF8, an accepted address is ASCII
    # An address must reach the mail server exactly as typed: a header writer breaks up (or
    # refuses) what reads as an RFC 2047 encoded word, and a mail library that reads the To:
    # header back for the envelope must find this address, not a shorter one. Otherwise
    # `=?a?b?c?=frank@example.org` would be a new address that mails frank@example.org.
    if "=?" in address:
        raise ValueError("must not contain '=?' (mail headers read it as an encoded word)")
    if getaddresses([address]) != [("", address)]:
        raise ValueError("mail software would not read this address back as it is")
    return address


def mail_key(address: str) -> str:
    """The form under which an address is stored and compared: `mail_address`'s, lower-cased
    whole. Domains are case-insensitive; local parts may be case-sensitive by RFC 5321, but
    no mail provider in use treats `Frank@` and `frank@` as two mailboxes, and one row per
    mailbox is what lets a limit per mailbox hold. ValueError if it is no address."""
    checked = mail_address(address)
    assert checked is not None
    return checked.lower()


def fits(limit: int) -> Callable[[Any], Any]:
    """A validator for a link: `limit` characters at most as it is stored, percent-encoded
    (a link typed within the limit can grow past it: "é" is stored as "%C3%A9")."""
    def check(value: Any) -> Any:
        if value is not None and len(str(value)) > limit:
            raise ValueError(f"must be at most {limit} characters once percent-encoded, "
                             f"not {len(str(value))}")
        return value
    return check


# For parameters that are not in a pydantic model, e.g. a nic in a URL path.
OneLine = Annotated[str, AfterValidator(one_line)]


def _refuse(pattern: re.Pattern[str], value: str, say: str = "must not contain") -> None:
    found = pattern.search(value)
    if found is None:
        return
    char = found.group()
    raise ValueError(f"{say} {_describe(char)} (character {found.start() + 1})")


def _describe(char: str) -> str:
    code = f"U+{ord(char):04X}"
    if "\ud800" <= char <= "\udfff":
        return f"{code}, a lone surrogate"
    if _NONCHARACTER.fullmatch(char):
        return f"{code}, a noncharacter"
    if unicodedata.category(char) == "Cc":
        return f"{code}, a control character"
    name = unicodedata.name(char, "")
    return f"{code}, {name.lower()}" if name else code
