"""CSRF over HTTP on a running Burg: every state-changing form of the site refuses a POST
without the browser's cookie, with a forged token, with another browser's token, or that the
browser says comes from another site; and a refused POST changes nothing. The mail client's
one-click unsubscribe (no cookie, authorised by its signed link) is in
tests/notify/test_pages.py; a real cross-site form in Chromium in test_cross_origin.py."""

import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.comments.helpers import post
from tests.conftest import Stack, unsubscribe_links, wait_for
from tests.notify.helpers import handled_by_notify
from tests.posts.helpers import new_category
from tests.web.helpers import csrf_of, opened, site

Poster = Callable[[httpx.Client, str], httpx.Response]


def refused(response: httpx.Response) -> None:
    """A 403 that sets no cookie: no new commenter, no editor signed in or out."""
    assert response.status_code == 403, (response.status_code, response.text[:300])
    assert "set-cookie" not in response.headers, response.headers["set-cookie"]


def comments_on(stack: Stack, article: dict) -> int:  # type: ignore[type-arg]
    thread = stack.client("comments").get(f"/articles/{article['id']}/comments")
    return int(thread.json()["count"])


def test_the_comment_form_needs_this_browsers_token(stack: Stack) -> None:
    _, article = opened(stack)
    action = f"/articles/{article['slug']}"
    victim = site(stack)
    page = victim.get(action)
    token = csrf_of(page)

    def comment(client: httpx.Client, csrf: str | None, **headers: str) -> httpx.Response:
        fields = {"nic": f"Forger {uuid.uuid4().hex[:6]}", "body": "Posted for you."}
        return client.post(action, data=fields | ({"csrf": csrf} if csrf is not None else {}),
                           headers=headers)

    # No cookie (what another site's form sends: SameSite keeps ours home): whatever the
    # field says. "x" matched the missing cookie's stand-in before.
    for csrf in ("x", "", None, token):
        refused(comment(site(stack), csrf))
    # The cookie, but a forged or damaged token.
    nonce, _, signature = token.partition(".")
    for csrf in ("x", "", "forged", nonce, f"{nonce}.", f".{signature}",
                 f"{nonce}.{signature[::-1]}", f"{nonce[::-1]}.{signature}", token + "x"):
        refused(comment(victim, csrf))
    # A good token of another browser (an attacker's own visit) with the victim's cookie.
    attacker = site(stack)
    refused(comment(victim, csrf_of(attacker.get(action))))
    refused(comment(attacker, token))
    # The right token, but the browser says another site's page sent it.
    for where in ("cross-site", "same-site"):
        refused(comment(victim, token, **{"Sec-Fetch-Site": where}))
    assert comments_on(stack, article) == 0
    # The victim's own page posts, with or without the browser saying so; the token of one
    # page keeps working for that browser's other forms.
    assert comment(victim, token, **{"Sec-Fetch-Site": "same-origin"}).status_code == 303
    assert comment(victim, token).status_code == 303
    assert comments_on(stack, article) == 2


def test_each_token_is_new_and_does_not_show_the_cookie(stack: Stack) -> None:
    _, article = opened(stack)
    browser = site(stack)
    # The article page is every reader's, with no token; the reader's own parts have one.
    assert "set-cookie" not in browser.get(f"/articles/{article['slug']}").headers
    mine = [browser.get(f"/articles/{article['slug']}/reader") for _ in range(3)]
    tokens = {answer.json()["csrf"] for answer in mine}
    assert len(tokens) == 3  # a compressed page that echoes input cannot leak a fixed secret
    [cookie] = [c.value for c in browser.cookies.jar if c.name == "burg_csrf"]
    assert all(cookie not in token for token in tokens)
    assert "HttpOnly" in mine[0].headers["set-cookie"]
    assert "samesite=lax" in mine[0].headers["set-cookie"].lower()
    assert mine[0].headers["cache-control"] == "private, no-store"


@pytest.mark.parametrize("form", ["sign-in", "sign-out", "save", "hide"])
def test_every_editor_form_needs_this_browsers_token(stack: Stack, form: str) -> None:
    category = new_category(stack)
    _, article = opened(stack)
    comment = post(stack.client("comments"), article["id"], "Keep me.")["comment"]
    editor = site(stack)
    editor.cookies.set("burg_editor", stack.editor_token)
    title = f"Forged {uuid.uuid4().hex[:6]}"
    path, fields = {
        "sign-in": ("/editor/sign-in", {"token": stack.editor_token}),
        "sign-out": ("/editor/sign-out", {}),
        "save": ("/editor", {"title": title, "category": category["slug"], "body": "Forged.",
                             "action": "publish"}),
        "hide": (f"/editor/comments/{comment['id']}/hide",
                 {"back": f"/articles/{article['slug']}"}),
    }[form]
    token = csrf_of(editor.get("/editor"))
    other = csrf_of(site(stack).get("/editor"))
    for client in (editor, site(stack)):  # with the editor's cookies, and none at all
        for csrf in ("x", "", other) + (() if client is editor else (token,)):
            refused(client.post(path, data=fields | {"csrf": csrf}))
        refused(client.post(path, data=fields))
        if client is editor:
            refused(client.post(path, data=fields | {"csrf": token},
                                headers={"Sec-Fetch-Site": "cross-site"}))
    # Nothing changed: the comment shows, no article was published, the editor is signed in.
    shown = stack.client("comments").get(f"/articles/{article['id']}/comments").json()
    assert [c["id"] for c in shown["comments"]] == [comment["id"]]
    listed = stack.client("posts").get("/articles", params={"category": category["slug"]})
    assert listed.json()["data"] == []
    assert "Signed in as" in editor.get("/editor").text
    # With its token, the same form works.
    assert editor.post(path, data=fields | {"csrf": token}).status_code == 303


def test_the_confirm_and_unsubscribe_buttons_need_this_browsers_token(stack: Stack) -> None:
    _, article = opened(stack)
    comments = stack.client("comments")
    address = f"csrf-{uuid.uuid4().hex[:8]}@example.org"
    first = post(comments, article["id"], "Tell me", email=address, notify_replies=True)
    link = stack.confirmation_link(address)
    token = httpx.URL(link).params["token"]
    owner = httpx.Client(timeout=10)
    page = owner.get(link)
    for client, csrf in ((httpx.Client(timeout=10), "x"), (owner, "forged"),
                         (owner, csrf_of(site(stack).get(link.removeprefix(
                             stack.urls["site"]))))):
        refused(client.post(f"{stack.urls['site']}/subscriptions/confirm",
                            data={"token": token, "csrf": csrf}))
    # Still unconfirmed: a reply sends no e-mail.
    reply = post(comments, article["id"], "A reply", parent_id=first["comment"]["id"])
    wait_for(lambda: handled_by_notify(stack, reply["comment"]["id"]), what="notify")
    assert stack.replies_to(address) == []
    done = owner.post(f"{stack.urls['site']}/subscriptions/confirm",
                      data={"token": token, "csrf": csrf_of(page)})
    assert done.status_code == 200 and "Address confirmed" in done.text

    # The unsubscribe button likewise; the mail client's one-click POST (its link's signed
    # token, no cookie) is the one form that needs none.
    post(comments, article["id"], "Another reply", parent_id=first["comment"]["id"])
    [mail] = wait_for(lambda: stack.replies_to(address), what="the reply e-mail")
    link, _ = unsubscribe_links(mail)
    unsubscribe = f"{stack.urls['site']}/subscriptions/unsubscribe"
    token = httpx.URL(link).params["token"]
    for csrf in ("x", ""):
        refused(httpx.post(unsubscribe, data={"token": token, "csrf": csrf}, timeout=10))
        refused(httpx.post(link, data={"csrf": csrf}, timeout=10))
    post(comments, article["id"], "Still subscribed", parent_id=first["comment"]["id"])
    wait_for(lambda: len(stack.replies_to(address)) == 2, what="the second reply e-mail")
    one_click = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert one_click.status_code == 200 and "Unsubscribed" in one_click.text


def test_the_preview_needs_this_browsers_token_in_its_header(stack: Stack) -> None:
    _, article = opened(stack)
    browser = site(stack)
    token = csrf_of(browser.get(f"/articles/{article['slug']}"))
    body = b'{"body": "[b]bold[/b]"}'
    for client, headers in ((site(stack), {}), (site(stack), {"X-CSRF-Token": token}),
                            (browser, {}), (browser, {"X-CSRF-Token": "x"}),
                            (browser, {"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"})):
        answer = client.post("/preview", content=body, headers=headers)
        assert answer.status_code == 403 and "detail" in answer.json(), headers
    rendered = browser.post("/preview", content=body, headers={"X-CSRF-Token": token})
    assert rendered.status_code == 200 and "<strong>bold</strong>" in rendered.json()["body_html"]
