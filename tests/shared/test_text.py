"""The text rules, in process and fast: arbitrary Unicode through each validator and through
every text field of the APIs' input models. Each value is refused naming its field, or kept
in a form XML, HTML and mail can all carry, exactly as the README says it is normalised."""

import io
from typing import Any

import pytest
from hypothesis import given
from lxml import etree
from pydantic import BaseModel, ValidationError

from services.comments.models import CommentCreate, CommentEdit
from services.comments.models import Preview as CommentPreview
from services.posts.editors import editor_nic
from services.posts.models import (
    ArticleCreate,
    ArticleUpdate,
    CategoryCreate,
    CategoryUpdate,
    EditorCreate,
)
from services.posts.models import Preview as ArticlePreview
from shared.errors import Invalid
from shared.text import one_line, text
from tests.hostile_text import bounded, hostile, normalised, uncarriable


def survives_xml(value: str) -> None:
    """An element holding `value`, serialised and parsed back strictly, holds it unchanged."""
    element = etree.Element("t")
    element.text = value
    parser = etree.XMLParser(recover=False)
    assert etree.parse(io.BytesIO(etree.tostring(element)), parser).getroot().text == (
        value or None)


@bounded(1000)
@given(hostile())
def test_a_one_line_value_is_refused_or_kept_carriable(value: str) -> None:
    try:
        kept = one_line(value)
    except ValueError as exc:
        assert "U+" in str(exc)  # says which character
        return
    assert kept is not None and not uncarriable(kept, one_line=True)
    assert kept == normalised(value, one_line=True)
    survives_xml(kept)


@bounded(1000)
@given(hostile())
def test_a_multi_line_value_is_refused_or_kept_carriable(value: str) -> None:
    try:
        kept = text(value)
    except ValueError as exc:
        assert "U+" in str(exc)
        return
    assert kept is not None and not uncarriable(kept, one_line=False)
    assert kept == normalised(value, one_line=False)
    survives_xml(kept)


def test_line_endings_become_line_feeds() -> None:
    assert text("a\r\nb\rc\x85d\u2028e\u2029f\tg") == "a\nb\nc\nd\ne\n\nf\tg"


@pytest.mark.parametrize("value", ["Poison\uffffNic", "a\u2028b", "a\u2029b", "a\x85b",
                                   "a\ud800b", "a\U0010ffff", "a\ufdd0", "a\x00", "a\x9f",
                                   "a\tb", "Frank\u202eknarF"])
def test_what_no_one_line_field_takes(value: str) -> None:
    with pytest.raises(ValueError, match=r"U\+"):
        one_line(value)


def test_a_link_must_fit_once_percent_encoded() -> None:
    # 360 characters typed, 2,060 stored: it was stored, and then every read of it was a 500.
    with pytest.raises(ValidationError, match="percent-encoded"):
        ArticleCreate(title="T", category="c", body="B",
                      source_url="https://example.com/" + "\u00bf" * 340)  # type: ignore[arg-type]


def test_an_editors_nic_follows_the_same_rules() -> None:
    assert editor_nic("  Ed ") == "Ed"
    for nic in ("Poison\uffffNic", "two\nlines", "", "x" * 41):
        with pytest.raises(Invalid, match="nic"):
            editor_nic(nic)


# Every text field of every input model: (model, field, the other fields it needs, kind).
ARTICLE = {"title": "T", "category": "c", "body": "B"}
FIELDS: list[tuple[type[BaseModel], str, dict[str, Any], str]] = [
    (CategoryCreate, "name", {}, "one"),
    (CategoryCreate, "description", {"name": "N"}, "multi"),
    (CategoryUpdate, "name", {}, "one"),
    (CategoryUpdate, "description", {}, "multi"),
    *[(ArticleCreate, f, ARTICLE, "one") for f in ("title", "dateline_place", "source_name",
                                                   "source_note", "category")],
    (ArticleCreate, "body", ARTICLE, "multi"),
    (ArticleCreate, "source_url", ARTICLE, "url"),
    (ArticleCreate, "dateline", ARTICLE, "date"),
    *[(ArticleUpdate, f, {}, "one") for f in ("title", "dateline_place", "source_name",
                                              "source_note", "category")],
    (ArticleUpdate, "comments_close_at", {}, "date"),
    (ArticleUpdate, "body", {}, "multi"),
    (ArticleUpdate, "source_url", {}, "url"),
    (EditorCreate, "nic", {}, "one"),
    (ArticlePreview, "body", {}, "multi"),
    (CommentCreate, "nic", {"body": "B"}, "one"),
    (CommentCreate, "body", {"nic": "N"}, "multi"),
    (CommentCreate, "email", {"nic": "N", "body": "B"}, "address"),
    (CommentCreate, "website", {"nic": "N", "body": "B"}, "url"),
    (CommentEdit, "body", {}, "multi"),
    (CommentPreview, "body", {}, "multi"),
]


def sent_as(kind: str, value: str) -> str:
    """The value put in the field: hostile text where a field of that kind has text."""
    return {"url": f"https://example.com/{value}", "address": f"{value}@example.com"}.get(
        kind, value)


@pytest.mark.parametrize(("model", "field", "others", "kind"), FIELDS,
                         ids=[f"{m.__module__.split('.')[1]}.{m.__name__}.{f}"
                              for m, f, _, _ in FIELDS])
@bounded(100)
@given(value=hostile())
def test_every_text_field_is_refused_by_name_or_kept_carriable(
        model: type[BaseModel], field: str, others: dict[str, Any], kind: str,
        value: str) -> None:
    sent = sent_as(kind, value)
    try:
        kept = getattr(model.model_validate(others | {field: sent}), field)
    except ValidationError as exc:
        assert all(field in map(str, e["loc"]) for e in exc.errors()), exc.errors()
        return
    if kind in ("one", "multi"):
        assert kept == normalised(sent, one_line=kind == "one")
        assert not uncarriable(kept, one_line=kind == "one")
    elif kind in ("url", "address"):
        stored = str(kept)
        stored.encode("ascii")  # links are percent-encoded, host names and domains IDNA
        assert not uncarriable(stored, one_line=True) and " " not in stored
        assert len(stored) <= 2000  # what the column and the public shapes hold
    else:
        assert kept.isoformat()  # a date
