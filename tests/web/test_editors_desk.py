"""The desk's page of editors over HTTP: closed to editors without the right and to
strangers, every form needs its CSRF token, a revoke needs its confirmation, a refused
form says why without changing anything, and the right is given and taken."""

import uuid

import httpx

from tests.conftest import Stack
from tests.posts.helpers import cli_editor
from tests.web.helpers import csrf_of, signed_in, site


def manager(stack: Stack) -> httpx.Client:
    """A client of the site signed in as a new editor with the right to manage editors."""
    client = site(stack)
    client.cookies.set("burg_editor", cli_editor(stack, f"Admin {uuid.uuid4().hex[:6]}",
                                                 admin=True))
    return client


def editors_table(stack: Stack) -> list[tuple[object, ...]]:
    return stack.sql("posts", "SELECT nic, version, revoked_at FROM editor ORDER BY nic")


def test_the_page_is_only_for_editors_with_the_right(stack: Stack) -> None:
    assert site(stack).get("/editor/editors").headers["location"] == "/editor"
    plain = signed_in(stack)  # the stack's editor has no right to manage editors
    refused = plain.get("/editor/editors")
    assert refused.status_code == 403 and "right to manage editors" in refused.text
    assert 'href="/editor/editors"' not in plain.get("/editor").text
    form = manager(stack).get("/editor/editors")
    before = editors_table(stack)
    posted = plain.post("/editor/editors", data={"csrf": csrf_of(plain.get("/editor")),
                                                 "nic": "Sneaky"})
    assert posted.status_code == 403
    assert editors_table(stack) == before
    assert form.status_code == 200 and form.headers["cache-control"] == "no-store"


def test_forms_need_their_csrf_token_and_a_revoke_its_confirmation(stack: Stack) -> None:
    desk = manager(stack)
    page = desk.get("/editor/editors")
    nic = f"Frank {uuid.uuid4().hex[:6]}"
    assert desk.post("/editor/editors", data={"nic": nic}).status_code == 403
    assert desk.post("/editor/editors", data={"nic": nic, "csrf": csrf_of(page)},
                     headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    made = desk.post("/editor/editors", data={"nic": nic, "csrf": csrf_of(page)})
    assert made.status_code == 200 and "Copy this token now" in made.text
    assert made.headers["cache-control"] == "no-store"
    before = editors_table(stack)
    asked = desk.post("/editor/editors/revoke", data={"nic": nic, "csrf": csrf_of(page)})
    assert asked.status_code == 200 and f"Revoke {nic}?" in asked.text
    assert desk.post("/editor/editors/revoke", data={"nic": nic, "confirm": "yes"}
                     ).status_code == 403
    assert desk.post("/editor/editors/rotate", data={"nic": nic}).status_code == 403
    assert editors_table(stack) == before
    done = desk.post("/editor/editors/revoke",
                     data={"nic": nic, "confirm": "yes", "csrf": csrf_of(asked)})
    assert done.status_code == 303


def test_a_refused_form_says_why_and_changes_nothing(stack: Stack) -> None:
    desk = manager(stack)
    page = desk.get("/editor/editors")
    before = editors_table(stack)
    for nic, status, said in (("Tester", 409, "already"), ("two\nlines", 422, "one line"),
                              ("", 422, "one line")):
        refused = desk.post("/editor/editors", data={"nic": nic, "csrf": csrf_of(page)})
        assert refused.status_code == status and said in refused.text, nic
    for action in ("rotate", "revoke"):
        unknown = desk.post(f"/editor/editors/{action}", data={
            "nic": "Nobody at all", "confirm": "yes", "csrf": csrf_of(page)})
        assert unknown.status_code == 404 and "no such editor" in unknown.text
    assert editors_table(stack) == before


def test_an_editor_rotating_their_own_token_stays_signed_in(stack: Stack) -> None:
    desk = manager(stack)
    page = desk.get("/editor/editors")
    me = desk.get("/editor").text.split("Signed in as ")[1].split(" ·")[0]
    rotated = desk.post("/editor/editors/rotate", data={"nic": me, "csrf": csrf_of(page)})
    assert rotated.status_code == 200 and "Copy this token now" in rotated.text
    assert desk.get("/editor/editors").status_code == 200  # the browser's cookie is the new one
    manager(stack)  # another editor with the right: this one may leave
    left = desk.post("/editor/editors/revoke",
                     data={"nic": me, "confirm": "yes", "csrf": csrf_of(page)})
    assert left.status_code == 303 and left.headers["location"] == "/editor"
    assert desk.get("/editor/editors").headers["location"] == "/editor"


def test_the_right_is_given_and_taken_on_the_desk(stack: Stack) -> None:
    desk = manager(stack)
    page = desk.get("/editor/editors")
    name = f"Deputy {uuid.uuid4().hex[:6]}"
    deputy = site(stack)
    deputy.cookies.set("burg_editor", cli_editor(stack, name))
    assert deputy.get("/editor/editors").status_code == 403
    assert desk.post("/editor/editors/right", data={"nic": name, "can_manage_editors": "yes"}
                     ).status_code == 403  # no CSRF token
    given = desk.post("/editor/editors/right", data={
        "nic": name, "can_manage_editors": "yes", "csrf": csrf_of(page)})
    assert given.status_code == 303 and given.headers["location"] == "/editor/editors"
    mine = deputy.get("/editor/editors")
    assert mine.status_code == 200 and "Take the right" in mine.text
    taken = deputy.post("/editor/editors/right", data={
        "nic": name, "can_manage_editors": "no", "csrf": csrf_of(mine)})
    assert taken.status_code == 303 and taken.headers["location"] == "/editor"
    assert deputy.get("/editor/editors").status_code == 403
    unknown = desk.post("/editor/editors/right", data={
        "nic": "Nobody at all", "can_manage_editors": "yes", "csrf": csrf_of(page)})
    assert unknown.status_code == 404 and "no such editor" in unknown.text
