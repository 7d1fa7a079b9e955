"""The posts API over HTTP: editor auth, validation, and that rejections change nothing.
(The life cycle of an article, publishing twice included, is in test_lifecycle.py.)"""

import httpx

from tests.conftest import Stack
from tests.posts.helpers import new_category


def test_writes_need_an_editor_token(stack: Stack) -> None:
    before = stack.client("posts").get("/categories").json()
    anonymous = stack.client("posts").post("/categories", json={"name": "Sneaky"})
    forged = stack.client("posts", headers={"Authorization": "Bearer forged"}).post(
        "/categories", json={"name": "Sneaky"})
    for response in (anonymous, forged):
        assert response.status_code == 401
        assert "editor token" in response.json()["detail"]
    assert stack.client("posts").get("/categories").json() == before


def test_invalid_article_gets_422_naming_the_field(stack: Stack) -> None:
    slug = new_category(stack)["slug"]
    editor = stack.editor()
    cases = {
        "title": {"title": "", "category": slug, "body": "x"},
        "source_url": {"title": "T", "category": slug, "body": "x",
                       "source_url": "javascript:alert(1)"},
        "body": {"title": "T", "category": slug},
    }
    for field, body in cases.items():
        response = editor.post("/articles", json=body)
        assert response.status_code == 422, field
        assert field in response.json()["detail"]
    assert editor.post("/articles", json={"title": "x" * 500, "category": slug,
                                          "body": "x"}).status_code == 422
    bad_json = editor.post("/articles", content=b"{not json",
                           headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 422
    assert stack.client("posts").get("/articles", params={"category": slug}).json()["data"] == []


def test_unknown_ids_get_404(stack: Stack) -> None:
    editor = stack.editor()
    unknown_category = editor.post("/articles", json={"title": "T", "category": "no-such",
                                                      "body": "x"})
    assert unknown_category.status_code == 404
    assert "no-such" in unknown_category.json()["detail"]
    assert editor.post("/articles/999999/publish").status_code == 404
    assert stack.client("posts").get("/articles/no-such-article").status_code == 404


def test_the_api_describes_itself(stack: Stack) -> None:
    described = httpx.get(f"{stack.urls['posts']}/openapi.json").json()
    assert any(path.endswith("/articles/{article_id}/publish") for path in described["paths"])


def test_article_markup_is_escaped(stack: Stack) -> None:
    slug = new_category(stack)["slug"]
    article = stack.editor().post("/articles", json={
        "title": "Markup", "category": slug,
        "body": "<script>alert(1)</script>\n\n<a href=\"javascript:x\">x</a>"}).json()
    assert "<script>" not in article["body_html"]
    assert "&lt;script&gt;" in article["body_html"]
    assert "<a " not in article["body_html"]
