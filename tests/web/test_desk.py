"""The editors' desk over HTTP (no JavaScript): the list of articles with its filters, the
categories page and its refusals, and retracting, which asks first."""

import uuid

from tests.conftest import Stack
from tests.posts.helpers import new_article, new_category
from tests.web.helpers import csrf_of, signed_in, site


def test_signing_in_leads_to_the_desk_of_every_article(stack: Stack) -> None:
    category = new_category(stack)
    mark = uuid.uuid4().hex[:6]
    draft = new_article(stack, category["slug"], publish=False, title=f"Draft {mark}")
    shown = new_article(stack, category["slug"], title=f"Shown {mark}")
    desk = signed_in(stack)
    listed = desk.get("/editor/desk", params={"category": category["slug"]})
    assert listed.status_code == 200
    assert f"Draft {mark}" in listed.text and f"Shown {mark}" in listed.text
    assert f'id="desk-article-{draft["id"]}" class="desk-draft"' in listed.text
    assert "Open when published" in listed.text and "Close <time" in listed.text
    drafts = desk.get("/editor/desk", params={"category": category["slug"], "status": "draft"})
    assert f"Draft {mark}" in drafts.text and f"Shown {mark}" not in drafts.text
    found = desk.get("/editor/desk", params={"q": f"shown {mark.upper()}"})
    assert f'href="/editor/articles/{shown["id"]}"' in found.text
    assert f"Draft {mark}" not in found.text
    for bad in ({"status": "lost"}, {"page": "0"}, {"page": "x"}, {"q": "a\x00b"}):
        refused = desk.get("/editor/desk", params=bad)
        assert refused.status_code == 400, bad
    assert desk.get("/editor/desk", params={"page": 999}).status_code == 404
    # Not signed in: to the sign-in page.
    assert site(stack).get("/editor/desk").headers["location"] == "/editor"


def test_categories_are_made_and_renamed_and_a_taken_name_is_a_409(stack: Stack) -> None:
    desk = signed_in(stack)
    page = desk.get("/editor/categories")
    name = f"Desk category {uuid.uuid4().hex[:6]}"
    made = desk.post("/editor/categories", data={"csrf": csrf_of(page), "name": name,
                                                 "description": "Made in the desk"})
    assert made.status_code == 303
    slug = made.headers["location"].split("saved=")[1].split("#")[0]
    again = desk.post("/editor/categories", data={"csrf": csrf_of(page), "name": name})
    assert again.status_code == 409
    assert "There is a category of this name already" in again.text
    assert f'value="{name}"' in again.text
    renamed = desk.post(f"/editor/categories/{slug}",
                        data={"csrf": csrf_of(page), "name": f"{name} renamed",
                              "description": "Still here"})
    assert renamed.status_code == 303
    assert stack.client("posts").get(f"/categories/{slug}").json() == {
        "name": f"{name} renamed", "description": "Still here", "slug": slug}
    empty = desk.post(f"/editor/categories/{slug}", data={"csrf": csrf_of(page), "name": ""})
    assert empty.status_code == 422 and "Give the category a name." in empty.text
    forged = desk.post("/editor/categories", data={"csrf": "forged", "name": "Forged"})
    assert forged.status_code == 403


def test_retracting_asks_first_and_needs_the_form(stack: Stack) -> None:
    article = new_article(stack, new_category(stack)["slug"])
    desk = signed_in(stack)
    edit = desk.get(f"/editor/articles/{article['id']}")
    assert f'href="/editor/articles/{article["id"]}/retract"' in edit.text
    # The old button's action no longer retracts: it only saves.
    desk.post(f"/editor/articles/{article['id']}",
              data={"csrf": csrf_of(edit), "title": article["title"],
                    "category": article["category"]["slug"], "body": article["body"],
                    "action": "retract"})
    assert desk.get(f"/articles/{article['slug']}").status_code == 200
    asked = desk.get(f"/editor/articles/{article['id']}/retract")
    assert "cannot be undone" in asked.text and "leaves the feeds" in asked.text
    address = f"/editor/articles/{article['id']}/retract"
    assert desk.post(address, data={"csrf": "forged"}).status_code == 403
    done = desk.post(address, data={"csrf": csrf_of(asked)})
    assert done.status_code == 303 and done.headers["location"].startswith("/editor/desk")
    assert desk.get(f"/articles/{article['slug']}").status_code == 410
    listed = desk.get("/editor/desk", params={"status": "retracted", "q": article["title"]})
    assert "Retracted <time" in listed.text
