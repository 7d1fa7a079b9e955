"""The Forget me pages over HTTP: what they refuse (no ticked box, no CSRF token, no editor,
a nic no one holds) with a page saying so and nothing deleted. That they work in a browser,
without JavaScript: test_forget_browser.py."""

from tests.comments.helpers import nic, post
from tests.conftest import Stack
from tests.web.helpers import csrf_of, opened, signed_in, site


def test_forget_me_refuses_an_unticked_box_and_a_form_without_its_token(stack: Stack) -> None:
    comments = stack.client("comments")
    _, article = opened(stack)
    token = post(comments, article["id"], "Kept.")["commenter_token"]
    reader = site(stack, cookies={"burg_commenter": token})
    ask = reader.get("/me/forget")
    assert ask.status_code == 200 and "private" in ask.headers["cache-control"]
    unticked = reader.post("/me/forget", data={"csrf": csrf_of(ask)})
    assert unticked.status_code == 422 and "Tick the box" in unticked.text
    assert reader.post("/me/forget", data={"confirm": "yes"}).status_code == 403
    stranger = site(stack).get("/me/forget")  # a browser with no commenter gets no form
    assert stranger.status_code == 200 and "forget-form" not in stranger.text
    assert comments.get(f"/articles/{article['id']}/comments").json()["count"] == 1
    done = reader.post("/me/forget", data={"csrf": csrf_of(ask), "confirm": "yes"})
    assert done.status_code == 200 and "1 comment deleted" in done.text


def test_the_editors_page_needs_an_editor_and_a_nic_someone_holds(stack: Stack) -> None:
    comments = stack.client("comments")
    _, article = opened(stack)
    holder = nic()
    post(comments, article["id"], "Theirs.", nic=holder)
    anyone = site(stack)
    assert anyone.get("/editor/forget", params={"nic": holder}).headers["location"] == "/editor"
    desk = signed_in(stack)
    assert desk.get("/editor/forget", params={"nic": "no one has this"}).status_code == 404
    assert desk.get("/editor/forget", params={"nic": "\x00"}).status_code == 404
    ask = desk.get("/editor/forget", params={"nic": holder})
    assert ask.status_code == 200 and "1 shown now" in ask.text
    gone = desk.post("/editor/forget", data={"csrf": csrf_of(ask), "nic": "no one has this",
                                             "confirm": "yes"})
    assert gone.status_code == 404
    done = desk.post("/editor/forget", data={"csrf": csrf_of(ask), "nic": holder,
                                             "confirm": "yes"})
    assert done.status_code == 200 and "1 comment deleted" in done.text
    assert comments.get(f"/articles/{article['id']}/comments").json()["count"] == 0
