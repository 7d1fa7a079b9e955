"""The sentences the pages show for what the APIs refuse, from the APIs' real answers: each
bad comment or article, sent to the running comments and posts APIs, is turned into the
sentence beside its field, and none of the API's words gets through."""

import uuid
from typing import Any

import httpx
import pytest

from services.web.apis import ServiceError
from services.web.sentences import article_refusal, comment_refusal, link_problem, page_problem
from tests.comments.helpers import open_article, post
from tests.conftest import Stack
from tests.web.helpers import API_WORDS, opened

COMMENTS: list[tuple[dict[str, Any], str, str]] = [  # fields sent, field, its sentence
    ({"nic": ""}, "nic", "Please give a name to post under."),
    ({"nic": "   "}, "nic", "Please give a name to post under."),
    ({"nic": "N" * 41}, "nic", "Your name is too long (at most 40 characters)."),
    ({"nic": "Two\nlines"}, "nic", "Your name must be one line, without special characters."),
    ({"body": ""}, "body", "Please write your comment."),
    ({"body": "x" * 10_001}, "body", "Your comment is too long (at most 10,000 characters)."),
    ({"body": " ".join(f"https://example.org/{n}" for n in range(11))}, "body",
     "Your comment has too many links or pictures (at most 10)."),
    ({"follow_thread": True}, "email",
     "To get e-mail about replies, please give your e-mail address."),
    ({"email": "not an address", "notify_replies": True}, "email",
     "This does not look like an e-mail address. Please check it."),
    ({"website": "javascript:alert(1)"}, "website",
     "The website must be a whole address starting with http:// or https://."),
]


@pytest.fixture(scope="module")
def article(stack: Stack) -> int:
    return open_article(stack)


def answer(response: httpx.Response) -> ServiceError:
    """The API's answer as the site's API client hands it to a page."""
    found = response.json()
    return ServiceError(response.status_code, found["detail"], found.get("errors"))


@pytest.mark.parametrize(("fields", "field", "sentence"), COMMENTS)
def test_each_refused_comment_field_gets_its_sentence(
        stack: Stack, article: int, fields: dict[str, Any], field: str, sentence: str) -> None:
    sent = {"nic": f"S {uuid.uuid4().hex[:6]}", "body": "Hello."} | fields
    response = stack.client("comments").post(f"/articles/{article}/comments", json=sent)
    assert response.status_code == 422, response.text
    refusal = comment_refusal(answer(response))
    assert refusal.fields == {field: sentence}
    assert not API_WORDS.search(refusal.summary + " ".join(refusal.fields.values()))


def test_refusals_other_than_422_get_sentences_too(stack: Stack, article: int) -> None:
    comments = stack.client("comments")
    owner = post(comments, article, "Mine.")
    taken = comments.post(f"/articles/{article}/comments",
                          json={"nic": owner["comment"]["nic"], "body": "x"})
    assert comment_refusal(answer(taken)).fields == {
        "nic": "This name belongs to another commenter. Please choose another one."}
    gone = comments.post(f"/articles/{article}/comments",
                         json={"nic": "Late", "body": "x", "parent_id": 2**31 - 1})
    assert "not there any more" in comment_refusal(answer(gone)).summary
    bot = comments.post(f"/articles/{article}/comments",
                        json={"nic": "Bot", "body": "x", "homepage": "https://spam.example"})
    assert "If you are a person" in comment_refusal(answer(bot)).summary
    cursor = comments.get(f"/articles/{article}/comments", params={"cursor": "nope"})
    assert page_problem(answer(cursor))[0] == 400
    for error in (answer(taken), answer(gone), answer(bot), answer(cursor)):
        for said in (comment_refusal(error).summary, page_problem(error)[1]):
            assert not API_WORDS.search(said), said
    assert link_problem(ServiceError(400, "This link has expired.")).startswith(
        "This link has expired.")


def test_a_refused_article_gets_sentences_beside_its_fields(stack: Stack) -> None:
    category, _ = opened(stack)
    editor = stack.editor()
    for fields, field, sentence in (
            ({"title": ""}, "title", "Give the article a title."),
            ({"title": "A\ttab"}, "title",
             "The title must be one line, without special characters."),
            ({"source_url": "ftp://example.org/"}, "source_url",
             "The source link must be a whole address starting with http:// or https://."),
            ({"source_note": "n" * 301}, "source_note",
             "The source note is too long (at most 300 characters)."),
            ({"category": "no-such-category"}, "category", "Choose one of the categories.")):
        sent = {"title": "T", "category": category["slug"], "body": "B"} | fields
        response = editor.post("/articles", json=sent)
        assert response.status_code in (404, 422), response.text
        refusal = article_refusal(answer(response))
        assert refusal.fields == {field: sentence}, (fields, response.text)
        assert refusal.summary.startswith("The article was not saved.")


@pytest.mark.parametrize(("retry_after", "wait"), [(None, "60 seconds"), (20, "20 seconds"),
                                                   (3600, "60 minutes"), (2000, "34 minutes")])
def test_a_refusal_for_going_too_fast_says_how_long_to_wait(retry_after: int | None,
                                                            wait: str) -> None:
    """The limit on requests for e-mail is per hour, not per minute: the sentence follows the
    API's Retry-After."""
    refused = ServiceError(429, "too many", retry_after=retry_after)
    assert f"Please wait {wait}, then try again." in comment_refusal(refused).summary
