"""Categories and the public read API over HTTP: slugs, renames, paging, ETags."""

import subprocess
import sys

import httpx

from tests.conftest import Stack, wait_for
from tests.posts.helpers import feed, new_article, new_category


def test_category_slug_is_url_safe_unique_and_stable_across_renames(stack: Stack) -> None:
    category = new_category(stack, "Iraq & Syria: Événements")
    assert category["slug"] == "iraq-syria-evenements"
    duplicate = stack.editor().post("/categories", json={"name": "Iraq & Syria: Evenements"})
    assert duplicate.status_code == 409
    assert "iraq-syria-evenements" in duplicate.json()["detail"]
    renamed = stack.editor().patch(f"/categories/{category['slug']}", json={
        "name": "Levant", "description": "Iraq, Syria and around"}).json()
    assert renamed == {"slug": "iraq-syria-evenements", "name": "Levant",
                       "description": "Iraq, Syria and around"}
    listed = stack.client("posts").get("/categories").json()
    assert renamed in listed
    # The rename reaches the feed's title, even of a category with no article yet.
    wait_for(lambda: (f := feed(stack, f"categories/{category['slug']}.atom"))
             and f.feed.title.endswith("Levant"), what="the renamed feed")


def test_article_slugs_collide_into_suffixes(stack: Stack) -> None:
    category = new_category(stack)["slug"]
    first = new_article(stack, category, title="Same Words Twice", publish=False)
    second = new_article(stack, category, title="Same Words Twice", publish=False)
    assert second["slug"] == first["slug"] + "-2"


def test_article_keeps_its_markup_and_renders_commentary_apart(stack: Stack) -> None:
    category = new_category(stack)["slug"]
    body = ("[quote]Minister says all is well. [ed]It is not.[/ed][/quote]\n\n"
            "<script>alert(1)</script> [url=javascript:alert(1)]x[/url]")
    article = new_article(stack, category, body=body, source_name="Courier",
                          source_url="https://example.org/c", source_note="Translated, edited.",
                          dateline="2025-05-04")
    assert article["body"] == body
    html = article["body_html"]
    assert '<em class="commentary">It is not.</em>' in html
    assert "<blockquote>" in html and "<script" not in html and "href=\"javascript" not in html
    public = stack.client("posts").get(f"/articles/{article['slug']}").json()
    assert "body" not in public  # the public shape carries the rendered HTML only
    assert public["dateline"] == "2025-05-04" and public["source_note"] == "Translated, edited."
    assert public["posted_by"] == "Tester" and public["category"]["slug"] == category
    preview = stack.editor().post("/preview", json={"body": "[ed]x[/ed]"}).json()
    assert preview == {"body_html": '<p><em class="commentary">x</em></p>'}


def test_article_read_has_a_strong_etag_and_answers_304(stack: Stack) -> None:
    article = new_article(stack, new_category(stack)["slug"])
    posts = stack.client("posts")
    first = posts.get(f"/articles/{article['slug']}")
    etag = first.headers["etag"]
    assert etag.startswith('"')
    again = posts.get(f"/articles/{article['slug']}", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    stack.editor().patch(f"/articles/{article['id']}", json={"title": "Changed"})
    changed = posts.get(f"/articles/{article['slug']}", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_lists_are_newest_first_and_pages_stay_stable_under_new_articles(stack: Stack) -> None:
    category = new_category(stack)["slug"]
    titles = [new_article(stack, category, title=f"Paged {n}")["title"] for n in range(5)]
    posts = stack.client("posts")
    page1 = posts.get("/articles", params={"category": category, "limit": 2}).json()
    assert [a["title"] for a in page1["data"]] == ["Paged 4", "Paged 3"]
    new_article(stack, category, title="Paged late")  # arrives while the reader pages on
    page2 = posts.get("/articles", params={"category": category, "limit": 2,
                                           "cursor": page1["next_cursor"]}).json()
    page3 = posts.get("/articles", params={"category": category, "limit": 2,
                                           "cursor": page2["next_cursor"]}).json()
    seen = [a["title"] for a in page1["data"] + page2["data"] + page3["data"]]
    assert seen == list(reversed(titles))
    assert page3["next_cursor"] is None
    site = posts.get("/articles", params={"limit": 1}).json()["data"]
    assert site[0]["title"] == "Paged late"
    bad = posts.get("/articles", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and "cursor" in bad.json()["detail"]


def test_a_revoked_editor_token_stops_working(stack: Stack) -> None:
    token = subprocess.run([sys.executable, "-m", "services.posts.cli", "create-editor", "Temp"],
                           env=stack.env, check=True, capture_output=True,
                           text=True).stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{stack.urls['posts']}/api/posts/categories"
    assert httpx.post(url, json={"name": "Temp's"}, headers=headers).status_code == 201
    subprocess.run([sys.executable, "-m", "services.posts.cli", "revoke-editor", "Temp"],
                   env=stack.env, check=True, capture_output=True)
    assert httpx.post(url, json={"name": "Temp's 2"}, headers=headers).status_code == 401


def test_oversized_bodies_get_413_and_store_nothing(stack: Stack) -> None:
    category = new_category(stack)["slug"]
    editor = stack.editor()
    too_long = editor.post("/articles", json={"title": "Long", "category": category,
                                              "body": "x" * 100_001})
    assert too_long.status_code == 413
    assert "100000" in too_long.json()["detail"]
    huge = editor.post("/articles", content=b'{"title": "' + b"x" * 2_000_000 + b'"}',
                       headers={"Content-Type": "application/json"})
    assert huge.status_code == 413
    assert huge.json()["detail"]
    article = new_article(stack, category, title="Kept")
    grown = editor.patch(f"/articles/{article['id']}", json={"body": "y" * 100_001})
    assert grown.status_code == 413
    assert stack.client("posts").get(f"/articles/{article['slug']}").json()["title"] == "Kept"
    listed = stack.client("posts").get("/articles", params={"category": category}).json()
    assert [a["title"] for a in listed["data"]] == ["Kept"]


def test_invalid_urls_and_titles_get_422(stack: Stack) -> None:
    category = new_category(stack)["slug"]
    editor = stack.editor()
    for url in ("ftp://example.org/x", "javascript:alert(1)", "not a url"):
        response = editor.post("/articles", json={"title": "T", "category": category,
                                                  "body": "b", "source_url": url})
        assert response.status_code == 422 and "source_url" in response.json()["detail"]
    for title in ("", "   ", "x" * 500):
        response = editor.post("/articles", json={"title": title, "category": category,
                                                  "body": "b"})
        assert response.status_code == 422 and "title" in response.json()["detail"]
    article = new_article(stack, category, title="Untouched")
    assert editor.patch(f"/articles/{article['id']}", json={"title": ""}).status_code == 422
    assert editor.patch(f"/articles/{article['id']}",
                        json={"category": "no-such"}).status_code == 404
    assert editor.patch("/articles/999999", json={"title": "x"}).status_code == 404
    for bad_id in (2**63, 0, -1):
        response = editor.patch(f"/articles/{bad_id}", json={"title": "x"})
        assert response.status_code == 422 and "article_id" in response.json()["detail"]
    for title in ("Form\x0cfeed", "Two\nlines", "Nul\x00"):
        response = editor.post("/articles", json={"title": title, "category": category,
                                                  "body": "b"})
        detail = response.json()["detail"]
        assert response.status_code == 422 and "title: " in detail and "control char" in detail
    assert stack.client("posts").get(f"/articles/{article['slug']}").json()["title"] == "Untouched"
