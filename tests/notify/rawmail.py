"""Reading an e-mail the way mail clients read its headers: from the raw bytes, lines unfolded
by RFC 5322's rule (a line break followed by a space or tab goes), no decoding parser between
(RFC 2369 and 8058 clients read List-Unsubscribe raw), and encoded words (RFC 2047) decoded
only where a client decodes them, by two decoders."""

import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.parser import BytesParser

REPLY_HEADERS = ["From", "To", "Subject", "Message-ID", "Auto-Submitted", "In-Reply-To",
                 "References", "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
                 "MIME-Version", "Content-Type"]
TEXT_HEADERS = {"From", "To", "Subject"}  # the only ones a client decodes encoded words in
_ENCODED_WORD = re.compile(r"=\?[^?\s]*\?[bBqQ]\?[^?\s]*\?=")
_URL = r"[^<>\s]+"


def sent_bytes(message: EmailMessage) -> bytes:
    """The bytes smtplib sends for `message` (it flattens with CRLF line ends)."""
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))


def header_lines(raw: bytes) -> list[bytes]:
    """The lines of the header block, up to the empty line."""
    head, blank, _ = raw.partition(b"\r\n\r\n")
    assert blank, "no empty line after the headers, or not CRLF line ends"
    return head.split(b"\r\n")


def raw_headers(raw: bytes) -> dict[str, tuple[str, list[str]]]:
    """Each header's name → (its value unfolded, its lines), each name at most once."""
    headers: dict[str, tuple[str, list[str]]] = {}
    name = ""
    for line in header_lines(raw):
        text = line.decode("ascii")
        if text[:1] in (" ", "\t"):
            value, lines = headers[name]
            headers[name] = (value + text, [*lines, text])
            continue
        name, colon, value = text.partition(":")
        assert colon and re.fullmatch(r"[!-9;-~]+", name), f"not a header line: {text!r}"
        assert name not in headers, f"{name} twice"
        headers[name] = (value, [text])
    return {name: (value.strip(" \t"), lines) for name, (value, lines) in headers.items()}


def decoded(value: str) -> str:
    """A text header's value as the old (compat32) decoder shows it."""
    return str(make_header(decode_header(value)))


def check_raw(raw: bytes, *, names: list[str] | None = None, subject: str | None = None,
              to: str = "frank@example.org", host: str = "burg.example",
              ) -> dict[str, str]:
    """Assert what a mail client needs of `raw`, and return the unfolded header values:

    every header line ASCII and at most 998 bytes, those of text headers at most 78; the
    message parses with the compat32 parser without a defect; exactly the headers `names`
    (a reply's by default); List-Unsubscribe raw `<https://...>, <mailto:...>`; ids and
    List-Id raw; encoded words only in text headers, each at most 75 characters; the
    Subject decoding (by the compat32 and the modern decoder alike) to `subject`."""
    for line in header_lines(raw):
        assert line.isascii(), line
        assert len(line) <= 998, len(line)
    parsed = BytesParser(policy=policy.compat32).parsebytes(raw)
    for part in parsed.walk():
        assert not part.defects, part.defects
    headers = raw_headers(raw)
    assert sorted(headers) == sorted(names or REPLY_HEADERS)
    for name, (value, lines) in headers.items():
        if name in TEXT_HEADERS:
            assert all(len(line) <= 78 for line in lines), lines
            assert all(len(word) <= 75 for word in _ENCODED_WORD.findall(value)), value
        else:
            assert "=?" not in value, f"{name}: {value}"
    values = {name: value for name, (value, _) in headers.items()}
    assert values["To"] == to
    assert re.fullmatch(rf"<[^<>@\s]+@{re.escape(host)}>", values["Message-ID"])
    if "List-Unsubscribe" in values:
        assert re.fullmatch(rf"<https://{_URL}>, <mailto:{_URL}>", values["List-Unsubscribe"])
        assert values["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert values["List-Id"] == f"Replies <replies.{host}>"
    if "In-Reply-To" in values:
        assert re.fullmatch(rf"<thread-\d+@{re.escape(host)}>", values["In-Reply-To"])
        assert values["References"] == values["In-Reply-To"]
    if subject is not None:
        assert decoded(values["Subject"]) == subject, (decoded(values["Subject"]), subject)
        modern = message_from_bytes(raw, policy=policy.default)
        assert str(modern["Subject"]) == subject, (str(modern["Subject"]), subject)
        assert not modern["Subject"].defects
    return values
