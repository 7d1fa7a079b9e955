"""The e-mails' bytes as mail clients read them: hostile titles and nics of every kind still
build a message whose headers are raw-readable (see `rawmail.check_raw`), with no header
beyond the expected ones, and whose text survives decoding."""

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from services.notify import mailer, messages
from services.notify.models import Address, Consent, Delivery, Kind
from services.notify.settings import NotifySettings
from services.notify.tokens import Tokens
from tests.notify.rawmail import REPLY_HEADERS, check_raw, decoded, raw_headers, sent_bytes

LONG_CJK = "\u6f22" * 300
# (title or nic, what the subject shows of it)
NASTY = [
    ("A title", "A title"),
    ("Hello\u2028world", "Hello world"),
    ("Para\u2029graph", "Para graph"),
    ("Next\x85line", "Next line"),
    ("Vertical\x0btab\x0cfeed\x1cfile\x1dgroup\x1erecord", "Vertical tab feed file group record"),
    ("Poison\uffffNic", "Poison\ufffdNic"),
    ("Non\ufdd0char\U0010fffe", "Non\ufffdchar\ufffd"),
    ("Lone \ud800 surrogate \udfff", "Lone \ufffd surrogate \ufffd"),
    ("=?utf-8?q?=0A?=Bcc: x@example.org", "Bcc: x@example.org"),
    ("Hi\r\nBcc: victim@example.org =?UTF-8?Q?=0ABcc:_x@example.org?=",
     "Hi Bcc: victim@example.org"),
    ("Half =?utf-8?q? open", "Half = ?utf-8?q? open"),
    ("\x00\x1b[31mred\x7f\x9b", "[31mred"),
    ("   \t  ", ""),
    ("A" * 300, "A" * 149 + "\u2026"),
    ("word " * 60, ("word " * 30).rstrip() + "\u2026"),
    (LONG_CJK, LONG_CJK[:149] + "\u2026"),
    ("\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd \u2014 \u05d7\u05d3\u05e9\u05d5\u05ea",
     "\u05e9\u05dc\u05d5\u05dd \u05e2\u05d5\u05dc\u05dd \u2014 \u05d7\u05d3\u05e9\u05d5\u05ea"),
    ("\u200f\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645",
     "\u200f\u0645\u0631\u062d\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645"),
    ("\U0001f600 family \U0001f469\u200d\U0001f469\u200d\U0001f467 flag \U0001f1fa\U0001f1e6",
     "\U0001f600 family \U0001f469\u200d\U0001f469\u200d\U0001f467 flag \U0001f1fa\U0001f1e6"),
    ("Zalgo" + "\u0301\u0302\u0303" * 30, "Zalgo" + "\u0301\u0302\u0303" * 30),
    ("\u00c4rger \u00fcber \u00d6l " * 15, ("\u00c4rger \u00fcber \u00d6l " * 15)[:149]
     .rstrip() + "\u2026"),
    ("mixed \u6f22\u5b57 and " + "longword" * 10 + " end",
     "mixed \u6f22\u5b57 and " + "longword" * 10 + " end"),
    ("nbsp\u00a0and\u3000ideographic  spaces", "nbsp\u00a0and\u3000ideographic spaces"),
]


@pytest.fixture
def settings(tmp_path: Path) -> NotifySettings:
    return NotifySettings(site_url="https://burg.example",
                          smtp_from="Burg <noreply@burg.example>", data_dir=tmp_path)


def reply(settings: NotifySettings, **content: Any) -> tuple[Delivery, Address]:
    values = {"comment_id": 42, "article_id": 7, "article_title": "A title",
              "article_url": "https://burg.example/a/t", "replier_nic": "Proc",
              "recipient_nic": "Frank", "body_html": "<p>Agreed</p>",
              "follows_thread": False} | content
    return (Delivery(key="reply:42:1", kind=Kind.reply, address_id=1, content=values,
                     message_id=messages.message_id(settings, "reply:42:1")),
            Address(id=1, email="frank@example.org", consent=Consent.confirmed))


def plain_body(raw: bytes) -> str:
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def test_list_unsubscribe_is_one_raw_line_pair_of_urls(settings: NotifySettings) -> None:
    raw = sent_bytes(messages.build(settings, Tokens(settings), *reply(settings)))
    values = check_raw(raw, subject="New reply on \u201cA title\u201d")
    # Folded, if at all, only between the two entries, never inside a URL.
    _, lines = raw_headers(raw)["List-Unsubscribe"]
    assert lines[0].startswith("List-Unsubscribe: <https://burg.example/subscriptions/unsub")
    assert all(line.rstrip(",").endswith(">") for line in lines)
    assert values["Message-ID"] == messages.message_id(settings, "reply:42:1")


@pytest.mark.parametrize(("nasty", "shown"), NASTY, ids=[ascii(n)[:40] for n, _ in NASTY])
def test_any_title_and_nic_build_a_raw_readable_reply(settings: NotifySettings, nasty: str,
                                                       shown: str) -> None:
    delivery, address = reply(settings, article_title=nasty, replier_nic=nasty,
                              recipient_nic=nasty, body_html=f"<p>{nasty}</p>")
    raw = sent_bytes(messages.build(settings, Tokens(settings), delivery, address))
    check_raw(raw, subject=f"New reply on \u201c{shown}\u201d")
    text = plain_body(raw)
    assert f"Hello {shown}," in text.replace("\r\n", "\n")
    assert all(c not in text for c in "\x00\x0b\x0c\x1c\x1d\x1e\x85\ud800\uffff")


def test_a_digest_of_every_nasty_reply_builds(settings: NotifySettings) -> None:
    items = [reply(settings, comment_id=i, article_title=nasty, replier_nic=nasty,
                   recipient_nic=nasty, body_html=f"<p>{nasty}</p>")[0].content
             for i, (nasty, _) in enumerate(NASTY)]
    digest = Delivery(key="digest:1:x", kind=Kind.digest, address_id=1, content={"items": items},
                      message_id=messages.message_id(settings, "digest:1:x"))
    raw = sent_bytes(messages.build(settings, Tokens(settings), digest, reply(settings)[1]))
    check_raw(raw, names=[n for n in REPLY_HEADERS if n not in ("In-Reply-To", "References")],
              subject=f"{len(NASTY)} more replies to your comments on burg.example")
    text = plain_body(raw).replace("\r\n", "\n")
    assert all(f"Hello {shown}," in text for _, shown in NASTY)


@pytest.mark.parametrize(("nasty", "shown"), NASTY, ids=[ascii(n)[:40] for n, _ in NASTY])
def test_build_message_takes_any_subject_and_body(settings: NotifySettings, nasty: str,
                                                  shown: str) -> None:
    message = mailer.build_message(
        settings=settings, to="frank@example.org", subject=nasty, text=nasty, html=nasty,
        message_id="<x@burg.example>")
    names = ["From", "To", "Subject", "Message-ID", "Auto-Submitted", "MIME-Version",
             "Content-Type"]
    raw = sent_bytes(message)
    subject = decoded(check_raw(raw, names=names)["Subject"])
    check_raw(raw, names=names, subject=subject)  # the modern decoder reads the same
    if shown.endswith("\u2026"):  # cut: here after 200 characters, not a title's 150
        assert subject.startswith(shown[:-1].rstrip(" ")) and subject.endswith("\u2026")
    else:
        assert subject == shown
    assert all(c not in plain_body(raw) for c in "\x00\x0b\x0c\x1c\x1d\x1e\x85\ud800\uffff")


@pytest.mark.parametrize("sender", [
    "Burg <noreply@burg.example>", "B\u00fcrg Nachrichten <noreply@burg.example>",
    '"Burg, the site" <noreply@burg.example>', "\u05d1\u05d5\u05e8\u05d2 <noreply@burg.example>",
    "noreply@burg.example", "The " + "very " * 30 + "long name <noreply@burg.example>",
])
def test_the_sender_name_is_encoded_and_decodes_back(tmp_path: Path, sender: str) -> None:
    settings = NotifySettings(site_url="https://burg.example", smtp_from=sender,
                              data_dir=tmp_path)
    raw = sent_bytes(messages.build(settings, Tokens(settings), *reply(settings)))
    values = check_raw(raw)
    modern = message_from_bytes(raw, policy=policy.default)
    want = sender.split(" <")[0].strip('"') if "<" in sender else ""
    assert modern["From"].addresses[0].display_name == want
    assert modern["From"].addresses[0].addr_spec == "noreply@burg.example"
    assert decoded(values["From"]).endswith("<noreply@burg.example>" if want else sender)


def test_an_internationalised_domain_goes_out_in_ascii(settings: NotifySettings) -> None:
    delivery, _ = reply(settings)
    address = Address(id=1, email="frank@b\u00fccher.example", consent=Consent.confirmed)
    raw = sent_bytes(messages.build(settings, Tokens(settings), delivery, address))
    check_raw(raw, to="frank@xn--bcher-kva.example")


def test_an_address_that_needs_smtputf8_cannot_be_built(settings: NotifySettings) -> None:
    delivery, _ = reply(settings)
    address = Address(id=1, email="j\u00f6rg@example.org", consent=Consent.confirmed)
    with pytest.raises(ValueError, match="SMTPUTF8") as error:
        messages.build(settings, Tokens(settings), delivery, address)
    assert "j\u00f6rg" not in str(error.value)  # the reason is stored and logged


def _sweep() -> list[str]:
    """Titles made of every code point below U+3000 and from U+D700 to U+FFFF (controls,
    separators, surrogates, noncharacters, specials), and every 61st of the rest."""
    points = [*range(0x3000), *range(0xD700, 0x10000), *range(0x3000, 0x110000, 61)]
    text = "".join(chr(point) for point in points)
    return [text[i:i + 149] for i in range(0, len(text), 149)]


FORBIDDEN = set("\x00\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\ufffe\uffff\ud800\udfff")


def test_titles_of_every_kind_of_character_build_and_read_raw(settings: NotifySettings) -> None:
    tokens = Tokens(settings)
    for title in _sweep():
        delivery, address = reply(settings, article_title=title, replier_nic=title)
        raw = sent_bytes(messages.build(settings, tokens, delivery, address))
        subject = decoded(raw_headers(raw)["Subject"][0])
        check_raw(raw, subject=subject)  # and the modern decoder reads the same
        assert subject.startswith("New reply on \u201c") and subject.endswith("\u201d")
        assert not FORBIDDEN & set(subject), ascii(subject)
        assert len(subject) <= len("New reply on \u201c\u201d") + 150
