"""Reading Burg's own JSON export for the posts service (`python -m services.posts.cli
import-burg FILE.json --editor NIC`): its categories and articles, as the same records the
WordPress reader yields (`wordpress.py`), so that one import (`importing.import_records`)
makes articles of both, with the same rules; its comments are the comments service's.

Each article becomes a published post whose `_burg_…` meta carry what a WXR export carries
there (the markup as written, the dateline and its place, the source, when comments close),
plus its publication time to the microsecond; its id is its source id (the records of the
source "burg", apart from WordPress's), its address its old address (`imported_from`, which
the comments import matches threads by). Names and titles are plain text in the JSON and
HTML in WordPress's records: they are escaped here, as the WXR export escapes them.

A record with a field missing or of the wrong type (or a bad date) is skipped, with the
reason in the summary; so is an article whose id came earlier in the file.
"""

import html
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from services.posts.wordpress import WpAuthor, WpCategory, WpItem, WpRecord
from shared.burg_json import BadField, Fields, load, shown_id
from shared.importing import Summary

SOURCE = "burg"
DUPLICATE = "its id came earlier in the file"


def read_burg(path: Path, summary: Summary) -> tuple[int, Iterator[WpRecord]]:
    """How many articles the export at `path` holds, and its records: categories first,
    then each article (after its author, the first time it is met). The file is read and
    checked at once (NotBurgExport), before any record is asked for."""
    document = load(path)
    articles: list[Any] = document.get("articles", [])
    return len(articles), _records(document.get("categories", []), articles, summary)


def _records(categories: list[Any], articles: list[Any], summary: Summary
             ) -> Iterator[WpRecord]:
    names: dict[str, str] = {}
    for raw in categories:
        try:
            category = _category(Fields(raw, "the category"))
        except BadField as exc:
            summary.skip("category", _shown_slug(raw), str(exc))
            continue
        names.setdefault(category.nicename, category.name)
        yield category
    seen: set[str] = set()
    authors: set[str] = set()
    now = datetime.now(UTC)
    for raw in articles:
        try:
            item = _item(Fields(raw, "the article"), names, now)
        except BadField as exc:
            summary.skip("article", shown_id(raw), str(exc))
            continue
        if item.post_id in seen:
            summary.skip("article", item.post_id, DUPLICATE)
            continue
        seen.add(item.post_id)
        if item.creator not in authors:
            authors.add(item.creator)
            yield WpAuthor(login=item.creator, display_name=_html(item.creator))
        yield item


def _category(fields: Fields) -> WpCategory:
    slug = fields.text("slug")
    if not slug.strip():
        raise BadField('its "slug" is empty')
    return WpCategory(nicename=_nicename(slug), name=_html(fields.text("name")),
                      description=_html(fields.optional_text("description")))


def _item(fields: Fields, names: dict[str, str], now: datetime) -> WpItem:
    post_id = fields.id()
    published = fields.moment("published_at")
    closes = fields.optional_moment("comments_close_at")
    category = fields.optional_text("category")
    nicename = _nicename(category)
    wordpress_time = published.strftime("%Y-%m-%d %H:%M:%S")
    meta = {"_burg_markup": fields.text("body"), "_burg_published_at": published.isoformat(),
            "_burg_dateline": fields.optional_text("dateline"),
            "_burg_comments_close_at": closes.isoformat() if closes else ""}
    for name in ("dateline_place", "source_name", "source_url", "source_note"):
        meta[f"_burg_{name}"] = fields.optional_text(name)
    return WpItem(
        post_id=post_id, post_type="post", status="publish",
        title=_html(fields.text("title")), link=fields.text("url"),
        creator=fields.optional_text("posted_by"),
        content_html=fields.optional_text("body_html"),
        post_name=fields.optional_text("slug"), date_gmt=wordpress_time,
        date_local=wordpress_time, pub_date="",
        comment_status="open" if closes is not None and closes > now else "closed",
        password="", meta=meta,
        categories=[WpCategory(nicename=nicename, name=names.get(nicename, _html(category)))]
        if category.strip() else [])


def _nicename(slug: str) -> str:
    """A slug as WordPress names a category (percent-encoded: the import decodes it)."""
    return quote(slug, safe="")


def _html(value: str) -> str:
    """Plain text as WordPress's HTML fields hold it (the import reads them unescaped)."""
    return html.escape(value, quote=False)


def _shown_slug(record: object) -> str:
    slug = record.get("slug") if isinstance(record, dict) else None
    return slug[:60] if isinstance(slug, str) and slug else "(no slug)"
