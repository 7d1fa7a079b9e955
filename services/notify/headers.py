"""Header lines written the way mail clients read them raw, and the text that may go into them.

The email package's own folding (Python 3.11's `email.policy.default`) turns a line over 78
characters into RFC 2047 encoded words, URLs included, so a client that reads List-Unsubscribe
raw (RFC 2369) finds no `<https://...>`; its encoded words can exceed 75 characters and lose a
space when decoded; and it decodes encoded words found in the values it is given, which lets
`=?UTF-8?Q?=0A?=` smuggle a header in (CVE-2024-6923). So every header of our e-mails is
folded here and handed to the email package as a finished header object (`Folded`):

- `verbatim`: URLs and ids (List-Unsubscribe, List-Id, Message-ID, References...), printable
  ASCII exactly as given, folded only at its spaces, never encoded;
- `text` and `mailbox`: Subject and display names, leading plain ASCII words as they are, the
  rest as UTF-8 base64 encoded words of at most 75 characters, lines under 78.

What goes into a text header passes `one_line` first; bodies pass `body_text`.
"""

import base64
import re
from email.policy import Policy
from email.utils import parseaddr

from email_validator import EmailNotValidError, validate_email

from shared.text import NONCHARACTERS

LINE = 78  # RFC 5322: a line SHOULD be at most 78 characters...
MAX_LINE = 998  # ...and MUST be at most 998
WORD = 75  # RFC 2047: an encoded word is at most 75 characters

_SURROGATES = "\ud800-\udfff"
# All that str.splitlines() breaks a line at: \n \r \x0b \x0c \x1c-\x1e \x85 U+2028 U+2029.
_BREAKS = "\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029"
# What breaks a one-line text up: C0 and C1 controls and DEL (the breaks among them), and the
# line and paragraph separators.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# What looks like an RFC 2047 encoded word: a header parser would decode it (CVE-2024-6923).
_ENCODED_WORD = re.compile(r"=\?[^?]*\?[^?]*\?[^?]*\?=")
_BODY_BREAKS = re.compile(f"\r\n|[{_BREAKS}]")
_NOT_BODY_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_NOT_CHARACTERS = re.compile(f"[{_SURROGATES}{NONCHARACTERS}]")
# What `one_line` and `body_text` would change: a text without any is returned as it is (one
# search instead of their substitutions, a dozen texts in every e-mail).
_ONE_LINE_WORK = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_SURROGATES}{NONCHARACTERS}]|=\\?|  ")
_BODY_WORK = re.compile(f"[\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029{_SURROGATES}"
                        f"{NONCHARACTERS}]")
_PRINTABLE = re.compile(r"[ -~]*")  # printable ASCII, spaces included
_PLAIN_WORD = re.compile(r"[!-~]+")  # printable ASCII, no space
_ATOM_PHRASE = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~ -]+")  # a display name needing no quotes
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# RFC 5322's dot-atom addr-spec (no quotes, comments, brackets or display name): what
# `parseaddr` would hand back unchanged, with no display name.
_BARE_ADDRESS = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@{_ATEXT}(?:\.{_ATEXT})*")


def one_line(value: str, limit: int = 200) -> str:
    """`value` as one line of text any header can carry, never raising: controls and line
    breaks of every kind become spaces, lone surrogates (no charset encodes them) and
    noncharacters U+FFFD, encoded-word look-alikes (and any `=?` left) are broken up, runs of
    spaces become one, and a text longer than `limit` is cut with an ellipsis."""
    if _ONE_LINE_WORK.search(value) is None:
        text = value.strip(" ")
    else:
        text = _NOT_CHARACTERS.sub("\ufffd", _NOT_ONE_LINE.sub(" ", value))
        text = _ENCODED_WORD.sub(" ", text).replace("=?", "= ?")
        text = re.sub(" {2,}", " ", text).strip(" ")
    if len(text) > limit:
        text = text[:limit - 1].rstrip(" ") + "\u2026"
    return text


def body_text(value: str) -> str:
    """`value` as text any body can carry: every line break as `\\n`, other controls gone,
    lone surrogates and noncharacters as U+FFFD (an encoder refuses the first)."""
    if _BODY_WORK.search(value) is None:
        return value
    text = _BODY_BREAKS.sub("\n", value)
    return _NOT_CHARACTERS.sub("\ufffd", _NOT_BODY_TEXT.sub("", text))


class Folded(str):
    """A header we folded ourselves; its value (this string) is the line unfolded. The email
    package keeps a value that has a `name` as it is and lets it `fold` itself (documented at
    `email.policy.EmailPolicy.header_store_parse` and `fold`)."""

    name: str
    lines: tuple[str, ...]

    def __new__(cls, name: str, lines: list[str]) -> "Folded":
        folded = super().__new__(cls, "".join(lines)[len(name) + 1:].lstrip(" "))
        folded.name, folded.lines = name, tuple(lines)
        return folded

    def fold(self, *, policy: Policy) -> str:
        return policy.linesep.join(self.lines) + policy.linesep


def verbatim(name: str, value: str) -> Folded:
    """`name: value` with `value` as it is (printable ASCII, no encoded word), folded only at
    its spaces: URLs in angle brackets and ids stay readable to a client that reads them raw.
    A value that cannot be written so is our bug: ValueError."""
    if not _PRINTABLE.fullmatch(value) or "=?" in value:
        raise ValueError(f"{name}: not printable ASCII, or holds '=?'")
    return _fold(name, value.split())


def text(name: str, value: str) -> Folded:
    """`name: value` for an unstructured text (Subject): `value` passes `one_line`; its
    leading plain ASCII words stay readable, the rest goes into encoded words."""
    words = one_line(value, limit=MAX_LINE).split(" ")
    plain = 0
    while plain < len(words) and _PLAIN_WORD.fullmatch(words[plain]):
        plain += 1
    return _fold(name, words[:plain], " ".join(words[plain:]))


def mailbox(name: str, value: str) -> Folded:
    """`name: display name <address>` (From) or `name: address` (To). The address must be
    ASCII (see `ascii_address`); the display name is quoted or encoded as needed."""
    display, address = split_mailbox(value)
    if not address or not _PLAIN_WORD.fullmatch(address) or "=?" in address:
        raise ValueError(f"{name}: not a plain ASCII address")
    display = one_line(display)
    if not display:
        return _fold(name, [address])
    if _ATOM_PHRASE.fullmatch(display) and "=?" not in display:
        return _fold(name, [*display.split(" "), f"<{address}>"])
    if _PRINTABLE.fullmatch(display):
        quoted = display.replace("\\", "\\\\").replace('"', '\\"')
        return _fold(name, [f'"{quoted}"', f"<{address}>"])
    return _fold(name, [], display, (f"<{address}>",))


def split_mailbox(value: str) -> tuple[str, str]:
    """(display name, address) of a mailbox, as `email.utils.parseaddr` reads it. A bare
    address (every e-mail's recipient) is its own answer: parseaddr's parser cost a tenth of
    sending a message, run three times for each (the To header, MAIL FROM and RCPT TO)."""
    if _BARE_ADDRESS.fullmatch(value):
        return "", value
    return parseaddr(value)


def ascii_address(address: str) -> str:
    """`address` as SMTP without SMTPUTF8 carries it: an internationalised domain in its
    ASCII (IDNA 2008) form, by the library that accepted the address. ValueError for a local
    part that is not ASCII; the reason never names the address (it is stored and logged)."""
    address = address.strip()
    if address.isascii():
        return address
    try:
        checked = validate_email(address, check_deliverability=False,
                                 globally_deliverable=False, test_environment=True)
    except EmailNotValidError:
        raise ValueError("the recipient's address is not valid") from None
    if checked.ascii_email is None:
        raise ValueError("the recipient's address is not ASCII before the @ (it needs "
                         "SMTPUTF8, which these e-mails do not use)")
    return checked.ascii_email


def _fold(name: str, plain: list[str], encoded: str = "",
          after: tuple[str, ...] = ()) -> Folded:
    """The lines of `name:` followed by the words `plain`, then `encoded` as encoded words,
    then the words `after`, one space between each, a line broken before a word that would
    pass 78 characters."""
    lines: list[str] = []
    line = f"{name}:"
    bare = True  # nothing after the name yet: the first word stays on its line, however long

    def add(word: str) -> None:
        nonlocal line, bare
        if not bare and len(line) + 1 + len(word) > LINE:
            lines.append(line)
            line = ""
        line, bare = f"{line} {word}", False

    for word in plain:
        add(word)
    chunk, limit = "", WORD
    for char in encoded:
        if chunk and _encoded_length(chunk + char) > limit:
            add(_encoded_word(chunk))
            chunk = ""
        if not chunk:  # a new encoded word: as long as the rest of this line allows
            room = min(WORD, LINE - len(line) - 1)
            limit = room if _encoded_length(char) <= room else WORD  # else on a line of its own
        chunk += char
    if chunk:
        add(_encoded_word(chunk))
    for word in after:
        add(word)
    lines.append(line)
    if any(len(line) > MAX_LINE for line in lines):
        raise ValueError(f"{name}: a word longer than a header line may be")
    return Folded(name, lines)


def _encoded_word(chunk: str) -> str:
    # Base64 whatever the text: each word holds whole characters (RFC 2047 section 5).
    return f"=?utf-8?b?{base64.b64encode(chunk.encode()).decode('ascii')}?="


def _encoded_length(chunk: str) -> int:
    return len("=?utf-8?b??=") + 4 * -(-len(chunk.encode()) // 3)
