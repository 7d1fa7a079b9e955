"""E-mail addresses on the running stack (real Redis, Celery workers and aiosmtpd): an address
that mail software would read differently is refused, and the spellings of one mailbox are one
address, asked to confirm once however fast they come."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import idna

from tests.comments.helpers import open_article
from tests.conftest import Stack, wait_for


def post(stack: Stack, article: int, email: str) -> Any:
    with stack.client("comments") as comments:
        return comments.post(f"/articles/{article}/comments", json={
            "nic": f"V {uuid.uuid4().hex[:8]}", "body": "Tell me.", "email": email,
            "notify_replies": True})


def test_an_address_with_an_encoded_word_is_refused_naming_email(stack: Stack) -> None:
    article = open_article(stack)
    for email in ("=?a?b?c1?=leak@example.org", "leak=?@example.org",
                  "=?utf-8?q?=0A?=leak@example.org"):
        response = post(stack, article, email)
        assert response.status_code == 422, (email, response.text)
        assert "email" in response.json()["detail"], response.text


def test_four_spellings_of_one_mailbox_within_a_second_get_one_confirmation_request(
        stack: Stack) -> None:
    article, tag = open_article(stack), uuid.uuid4().hex[:8]
    domain = f"b\u00fccher-{tag}.example"
    stored = f"leak-{tag}@{idna.encode(domain).decode()}"
    spellings = [f"leak-{tag}@{domain}", f"Leak-{tag.upper()}@{domain.upper()}", stored.upper(),
                 f"leak-{tag}@{domain.replace('b', chr(0xFF42))}"]  # a fullwidth "b"
    # Each would be one more row, and one more request, if only lower-cased; and these two
    # would be mailed at leak-...@ once a header writer dropped what reads as encoded words.
    tricks = [f"=?a?b?c{n}?=leak-{tag}@{domain}" for n in (1, 2)]
    with ThreadPoolExecutor(len(spellings + tricks)) as pool:
        answers = list(pool.map(lambda email: post(stack, article, email), spellings + tricks))
    assert [a.status_code for a in answers] == [201] * 4 + [422] * 2, [a.text for a in answers]
    ids = [a.json()["comment"]["id"] for a in answers[:4]]

    def subscribed() -> bool:
        rows = stack.sql("notify", "SELECT DISTINCT s.comment_id, a.email FROM subscription s "
                                   "JOIN address a ON a.id = s.address_id")
        return sorted(row for row in rows if row[0] in ids) == [(i, stored) for i in sorted(ids)]

    wait_for(subscribed, what="notify to handle the four requests")
    wait_for(lambda: stack.sql("notify", "SELECT 1 FROM delivery d JOIN address a ON "
                                         "a.id = d.address_id WHERE a.email = :email AND "
                                         "d.status = 'sent'", email=stored),
             what="the confirmation request to go out")
    assert stack.sql("notify", "SELECT count(*) FROM address WHERE email LIKE :tag",
                     tag=f"%{tag}%") == [(1,)]
    mails = [m for m in stack.mails() if tag in str(m["To"]).lower()]
    assert [(str(m["To"]), m["Subject"].startswith("Confirm")) for m in mails] == [
        (stored, True)]
