"""A recovery link by e-mail, the whole way on the running stack (real Redis, Celery workers,
the Maildir sink): a commenter gives an address with a comment and confirms it, loses the
cookie, asks the site for a link, and the link opened in a fresh client brings the commenter
back with every nic; the link works once. An address no commenter confirmed gets no e-mail,
and the site's answer is the same for it."""

import re
import uuid
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.comments.helpers import open_article
from tests.conftest import Stack, wait_for
from tests.web.helpers import csrf_of, site

LINK = re.compile(r"https?://\S+/me/recover\?code=\S+")


def ask_for_link(stack: Stack, email: str) -> httpx.Response:
    """What a reader with no cookie does on /me/recover: type the address, press the button."""
    with site(stack) as browser:
        form = browser.get("/me/recover")
        assert form.status_code == 200 and 'id="recovery-link-form"' in form.text
        return browser.post("/me/recovery-link", data={"csrf": csrf_of(form), "email": email})


def recovery_mails(stack: Stack, address: str) -> list[EmailMessage]:
    return [m for m in stack.mails()
            if m["To"] == address and m["Subject"].startswith("Your recovery link")]


def test_a_confirmed_address_gets_a_link_that_brings_the_commenter_back(stack: Stack) -> None:
    article, tag = open_article(stack), uuid.uuid4().hex[:8]
    address, first, second = f"lost-{tag}@example.org", f"Lost {tag}", f"Found {tag}"
    comments = stack.client("comments")
    made = comments.post(f"/articles/{article}/comments", json={
        "nic": first, "body": "Mail me.", "email": address, "notify_replies": True})
    assert made.status_code == 201, made.text
    token = made.json()["commenter_token"]
    assert comments.post(f"/articles/{article}/comments", json={"nic": second, "body": "Again."},
                         headers={"X-Commenter-Token": token}).status_code == 201
    stack.confirm(address)
    # An address nobody confirmed (an unknown one) is answered alike, and mailed nothing.
    stranger = f"stranger-{tag}@example.org"
    answers = [ask_for_link(stack, email) for email in (stranger, address)]
    assert [a.status_code for a in answers] == [200, 200]
    said = [re.search(r'id="link-asked"[^>]*>([^<]*)<', a.text) for a in answers]
    assert said[0] and said[1] and said[0].group(1) == said[1].group(1)
    assert address not in answers[1].text
    refused = ask_for_link(stack, f"not an address {tag}")
    assert refused.status_code == 422 and "not an e-mail address" in refused.text

    [mail] = wait_for(lambda: recovery_mails(stack, address), what="the recovery link",
                      explain=lambda: stack.mail_trail(address))
    assert mail["Auto-Submitted"] == "auto-generated" and mail["List-Unsubscribe"] is None
    text = mail.get_body(preferencelist=("plain",)).get_content()
    [link] = LINK.findall(text)
    assert f"\u201c{first}\u201d" in text
    code = parse_qs(urlsplit(link).query)["code"][0]

    with httpx.Client(timeout=10) as fresh:  # a new browser: no cookie
        opened = fresh.get(link)  # a mail scanner may do this much: it changes nothing
        assert opened.status_code == 200 and f'value="{code}"' in opened.text
        assert opened.headers["referrer-policy"] == "no-referrer"
        assert comments.get("/commenters/me", headers={
            "X-Commenter-Token": token}).status_code == 200  # the old browser still holds them
        back = fresh.post(opened.url.copy_with(query=None),
                          data={"csrf": csrf_of(opened), "recovery_code": code})
        assert back.status_code == 200 and f"Welcome back, {first}" in back.text, back.text
        new_token = fresh.cookies["burg_commenter"]
    me = comments.get("/commenters/me", headers={"X-Commenter-Token": new_token}).json()
    assert (me["original_nic"], sorted(me["nics"]), me["comment_count"]) == (
        first, sorted([first, second]), 2)
    assert comments.get("/commenters/me", headers={
        "X-Commenter-Token": token}).status_code == 401  # the lost cookie opens nothing now
    # The link is spent.
    with httpx.Client(timeout=10) as again:
        page = again.get(link)
        spent = again.post(page.url.copy_with(query=None),
                           data={"csrf": csrf_of(page), "recovery_code": code})
        assert spent.status_code == 403 and "That code opens nothing" in spent.text
    # Nothing was mailed to the stranger, and no process logged either address.
    wait_for(lambda: stack.sql("notify", "SELECT 1 FROM delivery d JOIN address a ON "
                                         "a.id = d.address_id WHERE a.email = :email AND "
                                         "d.key LIKE 'recovery:%' AND d.status = 'sent'",
                               email=address), what="the recovery mail recorded as sent")
    assert [m for m in stack.mails() if m["To"] == stranger] == []
    log = (stack.data_dir / "devserver.log").read_text()
    assert address not in log and stranger not in log and code not in log
