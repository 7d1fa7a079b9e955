"""One nic, one commenter: a nic that is another's once compared as RFC 8266 prescribes, or
that looks like it (its TR39 skeleton), is refused, and so are invisible characters.

Nics are written with escapes: the look-alikes are the point, and an editor shows them as
the letters they imitate."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.comments import posting, replica
from services.comments.models import Comment, CommentCreate
from services.comments.nics import nic_keys, skeleton
from shared.errors import Conflict
from shared.events import EditorAuthorized
from tests.comments.helpers import open_article
from tests.comments.inprocess import Comments, comments_service
from tests.conftest import Stack

# Accepted next to "admin" before, each by another commenter (issue 15).
LOOK_ALIKES = {
    "Cyrillic capital A": "\u0410dmin",
    "fullwidth letters": "\uff41\uff44\uff4d\uff49\uff4e",
    "mathematical bold letters": "\U0001d41a\U0001d41d\U0001d426\U0001d422\U0001d427",
    "mathematical sans-serif capitals": "\U0001d5a0\U0001d5a3\U0001d5ac\U0001d5a8\U0001d5ad",
    "Greek capital Alpha and Iota": "\u0391DM\u0399N",
    "Cyrillic a and i": "\u0430dm\u0456n",
    "case": "ADMIN",
    "spaces around": "  admin ",
}
INVISIBLE = {
    "zero-width joiner": "ad\u200dmin",
    "zero-width space": "admin\u200b",
    "soft hyphen": "ad\u00admin",
    "right-to-left mark": "\u200fadmin",
    "left-to-right mark": "admin\u200e",
    "Arabic letter mark": "ad\u061cmin",
    "word joiner": "ad\u2060min",
    "right-to-left isolate": "\u2067admin\u2069",
    "Hangul filler": "admin\u3164",
    "Braille blank": "admin\u2800",
    "variation selector": "a\ufe00dmin",
}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Comments]:
    with comments_service(tmp_path) as service:
        yield service


def post(service: Comments, nic: str, token: str | None = None) -> tuple[Comment, str | None]:
    with service.session() as session:
        return posting.post_comment(
            session=session, outbox=service.outbox, settings=service.settings, article_id=1,
            data=CommentCreate(nic=nic, body="Hello"), token=token)


@pytest.mark.parametrize("look_alike", LOOK_ALIKES.values(), ids=LOOK_ALIKES)
def test_a_nic_like_another_commenters_is_refused(service: Comments, look_alike: str) -> None:
    post(service, "admin")
    with pytest.raises(Conflict, match="another commenter"):
        post(service, look_alike)


@pytest.mark.parametrize("look_alike", LOOK_ALIKES.values(), ids=LOOK_ALIKES)
def test_its_owner_may_write_their_nic_either_way(service: Comments, look_alike: str) -> None:
    _comment, token = post(service, "admin")
    comment, _ = post(service, look_alike, token=token)
    assert comment.nic == look_alike.strip()


@pytest.mark.parametrize("nic", INVISIBLE.values(), ids=INVISIBLE)
def test_invisible_and_direction_characters_are_refused_naming_the_nic(nic: str) -> None:
    with pytest.raises(ValidationError) as refused:
        CommentCreate(nic=nic, body="Hello")
    [error] = refused.value.errors()
    assert error["loc"] == ("nic",)
    assert "U+" in error["msg"]


def test_an_editors_nic_is_theirs(service: Comments) -> None:
    for nic in ("Steve White", "steve white", "Steve Whit\u0435", "St\u0435ve  White"):
        with pytest.raises(Conflict, match="editor"):
            post(service, nic)


def test_a_commenter_who_held_a_new_editors_nic_loses_it(service: Comments) -> None:
    _comment, token = post(service, "Frank G")
    with service.session() as session:
        replica.on_editor_authorized(session, EditorAuthorized(
            nic="Frank G", token_hash="f" * 64, version=1))
        session.commit()
    with pytest.raises(Conflict, match="editor"):
        post(service, "Frank G", token=token)


def test_different_nics_stay_apart() -> None:
    keys = [nic_keys(nic) for nic in ("admin", "admins", "Frank", "Frank G", "\u00c9mile",
                                      "Emile", "\u65e5\u672c", "Ed \u05d0\u0301")]
    for field in range(3):
        assert len({k[field] for k in keys}) == len(keys)


def test_the_skeleton_is_unicodes() -> None:
    # TR39's own example, and its best-known class: "m" looks like "rn".
    assert skeleton("\U0001d52d\U0001d4b6\u1eff\U0001d561\U0001d552\u2113") == "paypal"
    assert skeleton("m") == skeleton("rn") == "rn"
    assert skeleton("\u0430") == "a" and skeleton("0") == "O"


def test_over_http_a_look_alike_is_a_409_and_an_invisible_character_a_422(
        stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    url = f"/articles/{article}/comments"
    taken = comments.post(url, json={"nic": "Mallory Admin", "body": "First"})
    assert taken.status_code == 201, taken.text
    copy = comments.post(url, json={"nic": "Mall\u043ery Admin", "body": "Me too"})
    assert copy.status_code == 409 and "Mallory Admin" in copy.json()["detail"]
    hidden = comments.post(url, json={"nic": "Mallory\u200b Admin", "body": "Me too"})
    assert hidden.status_code == 422 and "nic" in hidden.json()["detail"]
    assert "U+200B" in hidden.json()["detail"]
    editor = comments.post(url, json={"nic": "T\u0435ster", "body": "I moderate here"})
    assert editor.status_code == 409 and "editor" in editor.json()["detail"]
