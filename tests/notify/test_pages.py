"""The site's pages that e-mail links open and the notify API behind them, over HTTP on a
running Burg, and the whole way from a comment form's "e-mail me" to a one-click
unsubscribe."""

import smtplib
import subprocess
import sys
import uuid
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.comments.helpers import open_article, post
from tests.conftest import Stack, button_form, unsubscribe_links, wait_for
from tests.notify.helpers import handled_by_notify


def test_consent_from_the_form_to_a_one_click_unsubscribe(stack: Stack) -> None:
    article, comments = open_article(stack), stack.client("comments")
    address = f"pages-{uuid.uuid4().hex[:8]}@example.org"
    first = post(comments, article, "Tell me", email=address, notify_replies=True)
    parent = first["comment"]["id"]

    # The link opens the site's page, which only shows a button: a mail scanner's GET
    # confirms nothing.
    link = stack.confirmation_link(address)
    assert link.startswith(f"{stack.urls['site']}/subscriptions/confirm?token=")
    page = httpx.get(link, timeout=10)
    assert page.status_code == 200 and 'action="/subscriptions/confirm"' in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    early = post(comments, article, "Before the button", parent_id=parent)
    wait_for(lambda: handled_by_notify(stack, early["comment"]["id"]), what="notify")
    assert stack.replies_to(address) == []

    stack.confirm(address)
    reply = post(comments, article, "After the button", parent_id=parent)
    [mail] = wait_for(lambda: stack.replies_to(address), what="the reply e-mail")
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{stack.urls['site']}/comments/{reply['comment']['id']}" in plain
    assert "After the button" in plain

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the https link, with
    # no cookie and so no CSRF field.
    https, _ = unsubscribe_links(mail)
    assert https.startswith(f"{stack.urls['site']}/subscriptions/unsubscribe?token=")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    done = httpx.post(https, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200 and "Unsubscribed" in done.text and address in done.text
    late = post(comments, article, "After unsubscribing", parent_id=parent)
    wait_for(lambda: handled_by_notify(stack, late["comment"]["id"]), what="notify")
    assert len(stack.replies_to(address)) == 1
    # Unsubscribing twice is fine; the page says so again. RFC 8058 asks mail clients for
    # multipart/form-data: that works as well as urlencoded.
    again = httpx.post(https, files={"List-Unsubscribe": (None, "One-Click")}, timeout=10)
    assert again.status_code == 200 and "Unsubscribed" in again.text
    assert again.request.headers["content-type"].startswith("multipart/form-data")


def test_the_unsubscribe_page_button_needs_its_csrf_field(stack: Stack) -> None:
    article, comments = open_article(stack), stack.client("comments")
    address = f"button-{uuid.uuid4().hex[:8]}@example.org"
    first = post(comments, article, "Tell me", email=address, notify_replies=True)
    stack.confirm(address)
    reply = post(comments, article, "A reply", parent_id=first["comment"]["id"])
    [mail] = wait_for(lambda: stack.replies_to(address), what="the reply e-mail")
    link, _ = unsubscribe_links(mail)
    with httpx.Client(timeout=10) as browser:
        page = browser.get(link)
        assert page.status_code == 200 and "Unsubscribe</button>" in page.text
        fields = button_form(page)
        # Another site can make the browser POST the token, but not the matching CSRF field.
        forged = browser.post(page.url.copy_with(query=None), data=fields | {"csrf": "forged"})
        assert forged.status_code == 403 and "expired" in forged.text
        other = post(comments, article, "Still subscribed?", parent_id=first["comment"]["id"])
        wait_for(lambda: len(stack.replies_to(address)) == 2, what="the second reply e-mail")
        done = browser.post(page.url.copy_with(query=None), data=fields)
        assert done.status_code == 200 and "Unsubscribed" in done.text
    assert reply["comment"]["id"] != other["comment"]["id"]


def test_forged_missing_and_misused_tokens_get_a_plain_400(stack: Stack) -> None:
    site, notify = stack.client("site"), stack.client("notify")
    for purpose in ("confirm", "unsubscribe"):
        for token in ("forged.token.value", "", "x" * 5000):
            params = {"token": token} if token else None
            opened = site.get(f"/subscriptions/{purpose}", params=params)
            assert opened.status_code == 400, (purpose, token)
            assert opened.headers["content-type"].startswith("text/html")
            assert "This link does not work" in opened.text
            assert 'method="post"' not in opened.text  # (the header's search box only reads)
            one_click = site.post(f"/subscriptions/{purpose}", params=params,
                                  data={"List-Unsubscribe": "One-Click"})
            assert one_click.status_code in (400, 403), (purpose, token)
            assert "<script" not in opened.text + one_click.text
            # The notify API the pages call answers in JSON.
            answer = notify.post(f"/{purpose}", json={"token": token})
            assert answer.status_code in (400, 422) and "detail" in answer.json()
    assert site.get("/subscriptions/everything", params={"token": "x"}).status_code == 404

    # A confirmation token is no unsubscribe token.
    article, comments = open_article(stack), stack.client("comments")
    address = f"misuse-{uuid.uuid4().hex[:8]}@example.org"
    post(comments, article, "Mail me", email=address, notify_replies=True)
    token = parse_qs(urlsplit(stack.confirmation_link(address)).query)["token"][0]
    misused = site.post("/subscriptions/unsubscribe", params={"token": token},
                        data={"List-Unsubscribe": "One-Click"})
    assert misused.status_code == 400 and "not valid" in misused.text
    assert notify.post("/check", json={"purpose": "unsubscribe", "token": token}
                       ).status_code == 400
    assert notify.post("/check", json={"purpose": "confirm", "token": token}).status_code == 204


def test_asking_for_mail_without_an_address_is_a_clear_422(stack: Stack) -> None:
    article, comments = open_article(stack), stack.client("comments")
    for fields in ({"notify_replies": True}, {"follow_thread": True},
                   {"email": "not an address", "notify_replies": True},
                   {"email": "a@example.org\r\nBcc: b@example.org", "notify_replies": True}):
        response = comments.post(f"/articles/{article}/comments",
                                 json={"nic": f"N {uuid.uuid4().hex[:6]}", "body": "x"} | fields)
        assert response.status_code == 422, (fields, response.text)
        assert "email" in response.json()["detail"]


def test_following_a_thread_mails_every_new_comment_but_ones_own(stack: Stack) -> None:
    article, comments = open_article(stack), stack.client("comments")
    address = f"follow-{uuid.uuid4().hex[:8]}@example.org"
    mine = post(comments, article, "Following this.", email=address, follow_thread=True)
    stack.confirm(address)
    post(comments, article, "My own second comment.", token=mine["commenter_token"],
         nic=mine["comment"]["nic"])
    other = post(comments, article, "A new voice, not a reply to anyone.")
    [mail] = wait_for(lambda: stack.replies_to(address), what="the new comment's e-mail")
    assert mail["Subject"].startswith("New comment on")
    plain = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"{stack.urls['site']}/comments/{other['comment']['id']}" in plain


def test_the_mailto_form_of_list_unsubscribe_unsubscribes_by_mail(stack: Stack) -> None:
    # A mail client that cannot POST sends the mailto: link's message; the sink hands mail for
    # the unsubscribe address to the notify CLI, as a mail server's alias pipe would.
    article, comments = open_article(stack), stack.client("comments")
    address = f"mailto-{uuid.uuid4().hex[:8]}@example.org"
    first = post(comments, article, "Tell me", email=address, notify_replies=True)
    stack.confirm(address)
    post(comments, article, "A reply", parent_id=first["comment"]["id"])
    [mail] = wait_for(lambda: stack.replies_to(address), what="the reply e-mail")
    _, mailto = unsubscribe_links(mail)
    request = EmailMessage()
    request["From"], request["To"] = address, urlsplit(mailto).path
    request["Subject"] = parse_qs(urlsplit(mailto).query)["subject"][0]
    request.set_content("")
    with smtplib.SMTP("127.0.0.1", int(stack.env["BURG_NOTIFY_SMTP_PORT"]), timeout=10) as smtp:
        smtp.send_message(request)
    wait_for(lambda: stack.sql("notify", "SELECT consent FROM address WHERE email = :email",
                               email=address) == [("unsubscribed",)],
             what="the address unsubscribed by mail")


def test_an_unsubscribe_mail_with_a_forged_token_changes_nothing(stack: Stack) -> None:
    forged = b"From: x@example.org\r\nSubject: unsubscribe " + b"A" * 60 + b".forged\r\n\r\n"
    done = subprocess.run([sys.executable, "-m", "services.notify.cli", "unsubscribe-mail"],
                          input=forged, env=stack.env, capture_output=True, timeout=60)
    # Exit 0 all the same: a mail server would bounce a failure to a sender who may be forged.
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith("ignored: ")
