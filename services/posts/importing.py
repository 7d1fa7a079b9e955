"""Importing a WordPress export into the posts service: its categories, and its published
posts as published articles (`python -m services.posts.cli import-wordpress FILE --editor NIC`).

Each article is stored with its `article.published` event (the outbox: feeds, search and the
comments' replica learn of it as of any other) and with what the import made of it (an
`ImportedRecord`), in one transaction per BATCH articles: a run stopped halfway loses at most
the open batch, and the next run skips whatever a `ImportedRecord` names. What is there already
is read once at the start (imported ids, slugs, categories), not asked for per article.

What is not imported, with the reason the summary gives: items that are not posts (pages,
attachments, menu items), posts not published (drafts, pending, scheduled, private, trashed),
password-protected posts (they would become public), a post id met before in the file, posts
with no date, and posts whose converted body is empty or longer than MAX_BODY. A title that
is empty becomes "(no title)", as WordPress shows it; one over 200 characters is cut.

A file Burg exported (services/web/wxr.py) carries, in `_burg_…` post meta, what WordPress
has no field for: the markup as written (taken in place of the HTML, so nothing is lost to the
conversion), the dateline and its place, the source, and when comments close. Each is checked
as the article form checks it; one that fails is left out.

Burg's JSON export is read into the same records (`burg_json.py`) and imported by the same
code (`import_records`), its records under the source "burg".
"""

import html
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import nh3
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col, select

from services.posts.articles import article_event
from services.posts.models import (
    MAX_BODY,
    Article,
    ArticleStatus,
    ArticleUpdate,
    Category,
    Editor,
    ImportedRecord,
)
from services.posts.settings import PostsSettings
from services.posts.slugs import slugify
from services.posts.wordpress import (
    WpAuthor,
    WpCategory,
    WpItem,
    WpRecord,
    count_items,
    read_wordpress,
)
from shared.errors import Conflict, NotFound
from shared.events import ArticlePublished, CategoryCreated
from shared.importing import Summary, progress
from shared.markup import render
from shared.markup.from_html import from_html
from shared.outbox import Outbox
from shared.text import UNCARRIABLE

SOURCE = "wordpress"
BATCH = 200  # articles per transaction
NO_TITLE = "(no title)"
FALLBACK_CATEGORY = "Imported"  # for posts with no category, in a file with no "uncategorized"
# Limits of the columns (models.py): longer titles and names are cut, longer links dropped.
TITLE, POSTED_BY, CATEGORY_NAME, DESCRIPTION, LINK, SOURCE_ID = 200, 40, 80, 500, 2000, 200
_SPACES = re.compile(r"[\s\u2028\u2029]+")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
_LINE_BREAK = re.compile("\r\n?|[\x85\u2028]")
_FOUR_DIGIT_YEAR = re.compile(r"\s\d{4}\s")

Progress = Callable[[Iterable[WpItem], str, int], Iterable[WpItem]]


def import_wordpress(*, sessions: sessionmaker[Any], outbox: Outbox, settings: PostsSettings,
                     path: Path, editor_nic: str, batch: int = BATCH,
                     summary: Summary | None = None,
                     shown: Progress | None = None) -> Summary:
    """Import the categories and published posts of the WXR file at `path`, as articles
    edited by `editor_nic` (NotFound if there is no such editor, Conflict if revoked). Return
    the summary (also filled as it goes, if given: a stopped run can still tell its counts).

    `shown` wraps the items as they are read (by default a progress bar on stderr)."""
    # Counted before anything is written: a broken file changes nothing.
    return import_records(sessions=sessions, outbox=outbox, settings=settings,
                          source=SOURCE, read=lambda: (count_items(path), read_wordpress(path)),
                          editor_nic=editor_nic, batch=batch, summary=summary, shown=shown)


def import_records(*, sessions: sessionmaker[Any], outbox: Outbox, settings: PostsSettings,
                   source: str, read: Callable[[], tuple[int, Iterable[WpRecord]]],
                   editor_nic: str, batch: int = BATCH, summary: Summary | None = None,
                   shown: Progress | None = None) -> Summary:
    """Import the records a reader gives (authors, categories, items, as `wordpress.py`
    reads them) under `source`, the namespace of their ImportedRecords ("wordpress",
    "burg"): what `import_wordpress` does, for any reader. `read` is called once the editor
    is known, and gives the number of items (for the progress bar) and the records; a file
    it refuses raises before anything is written."""
    summary = Summary() if summary is None else summary
    shown = shown or (lambda items, what, count: progress(items, what, total=count))
    with sessions() as session:
        editor = _editor(session, editor_nic)
        total, records = read()
        run = _Run(session, outbox, settings, summary, editor, source)
        items = _items(iter(records), run)
        for item in shown(items, "items", total):
            run.item(item)
            if len(run.pending) >= batch:
                run.commit()
        run.commit()
    return summary


def _editor(session: Session, nic: str) -> Editor:
    editor = session.exec(select(Editor).where(col(Editor.nic) == nic)).first()
    if editor is None:
        raise NotFound(f"no editor {nic!r}: create it first "
                       f"(python -m services.posts.cli create-editor {nic!r})")
    if editor.revoked_at is not None:
        raise Conflict(f"the editor {nic!r} was revoked: import as another editor")
    return editor


def _items(records: Iterator[WpRecord], run: "_Run") -> Iterator[WpItem]:
    """The items of `records`; its authors and categories are taken in on the way."""
    for record in records:
        if isinstance(record, WpItem):
            yield record
        elif isinstance(record, WpAuthor):
            run.authors[record.login] = record.display_name
        else:
            run.declare(record)


@dataclass
class _Run:
    """One import's state: what the database held at the start, and what it made since."""

    session: Session
    outbox: Outbox
    settings: PostsSettings
    summary: Summary
    editor: Editor
    source: str  # the records' namespace: "wordpress", "burg"
    authors: dict[str, str] = field(default_factory=dict)  # login → display name
    declared: dict[str, WpCategory] = field(default_factory=dict)  # nicename → as declared
    categories: dict[str, Category] = field(default_factory=dict)  # nicename → ours
    pending: list[tuple[WpItem, Article]] = field(default_factory=list)  # this batch's
    seen: set[str] = field(default_factory=set)  # post ids met in this file
    # Read once at the start: (kind, source id) → local id; our categories; article slugs.
    imported: dict[tuple[str, str], int] = field(init=False)
    by_slug: dict[str, Category] = field(init=False)
    by_id: dict[int | None, Category] = field(init=False)
    slugs: set[str] = field(init=False)

    def __post_init__(self) -> None:
        records = self.session.exec(select(ImportedRecord).where(
            col(ImportedRecord.source) == self.source)).all()
        self.imported = {(r.kind, r.source_id): r.local_id for r in records}
        self.by_slug = {c.slug: c for c in self.session.exec(select(Category)).all()}
        self.by_id = {c.id: c for c in self.by_slug.values()}
        self.slugs = set(self.session.exec(select(Article.slug)).all())

    def declare(self, category: WpCategory) -> None:
        """A category of the channel: made (or found) now, whether or not a post is in it,
        as the old site listed it."""
        self.declared.setdefault(category.nicename, category)
        self.category(category)

    def category(self, wp: WpCategory) -> Category:
        """Ours for the WordPress category `wp`: the one an earlier run made or found for
        it, else the one with its slug, else a new one (`category.created`)."""
        if not wp.nicename:  # an item's category named without its slug
            wp = WpCategory(nicename=_slug(wp.name) or "imported", name=wp.name)
        elif len(wp.nicename) > SOURCE_ID:  # WordPress keeps 200: this file was not its
            wp = WpCategory(nicename=wp.nicename[:SOURCE_ID], name=wp.name,
                            description=wp.description)
        if wp.nicename in self.categories:
            return self.categories[wp.nicename]
        known = self.by_id.get(self.imported.get(("category", wp.nicename), -1))
        if known is not None:
            self.summary.keep("category")
            return self._remember(wp.nicename, known, record=False)
        wp = self.declared.get(wp.nicename, wp)
        name = (_one_line(html.unescape(wp.name), CATEGORY_NAME)
                or _one_line(unquote(wp.nicename), CATEGORY_NAME))
        slug = _slug(unquote(wp.nicename)) or _slug(name) or "imported"
        found = self.by_slug.get(slug)
        if found is not None:
            self.summary.keep("category")
            return self._remember(wp.nicename, found)
        category = Category(name=name or slug, slug=slug,
                            description=_multi_line(html.unescape(wp.description))[:DESCRIPTION])
        self.session.add(category)
        self.session.flush()
        self.outbox.add(self.session, CategoryCreated(slug=slug, name=category.name,
                                                      description=category.description))
        self.summary.make("category")
        self.by_slug[slug] = category
        self.by_id[category.id] = category
        return self._remember(wp.nicename, category)

    def _remember(self, nicename: str, category: Category, *, record: bool = True) -> Category:
        assert category.id is not None
        if record:
            self.session.merge(ImportedRecord(source=self.source, kind="category",
                                              source_id=nicename, local_id=category.id))
            self.imported["category", nicename] = category.id
        self.categories[nicename] = category
        return category

    def item(self, item: WpItem) -> None:
        """Import one item, or count it as here already or skipped (and why)."""
        source_id = item.post_id or "(none)"
        reason = _not_imported(item, self.seen)
        self.seen.add(item.post_id)
        if reason:
            self.summary.skip("article", source_id, reason)
            return
        if ("article", item.post_id) in self.imported:
            self.summary.keep("article")
            self._category_of(item)  # counted as here already, as a first run counts it
            return
        published_at = _moment(item)
        if published_at is None:
            self.summary.skip("article", source_id, "no date (wp:post_date_gmt, pubDate and "
                              "wp:post_date all missing or out of range)")
            return
        markup = item.meta.get("_burg_markup")
        body = _multi_line(from_html(item.content_html, commentary=True) if markup is None
                           else markup).strip()
        if not body:
            self.summary.skip("article", source_id, "no text in its body")
            return
        if len(body) > MAX_BODY:
            self.summary.skip("article", source_id,
                              f"body longer than {MAX_BODY} characters once converted")
            return
        title = _one_line(_plain(item.title), TITLE) or NO_TITLE
        close = timedelta(0) if item.comment_status == "closed" else timedelta(
            days=self.settings.comments_open_days)
        assert self.editor.id is not None
        burg = _burg_fields(item.meta)
        article = Article(
            title=title, slug=self._slug(item, title), category_id=self._category_of(item),
            body=body, body_html=render(body, commentary=True), editor_id=self.editor.id,
            posted_by=self._posted_by(item), status=ArticleStatus.published,
            dateline=_local_date(item.date_local) or published_at.date(),
            created_at=published_at, updated_at=published_at, published_at=published_at,
            comments_close_at=published_at + close,
            imported_from=item.link if 0 < len(item.link) <= LINK and not _SPACES.search(
                item.link) else None)
        for name, value in burg.items():
            setattr(article, name, str(value) if name == "source_url" else value)
        self.pending.append((item, article))

    def commit(self) -> None:
        """Store the batch: its articles, their records and events, in one transaction."""
        articles = [article for _, article in self.pending]
        self.session.add_all(articles)
        try:
            self.session.flush()
        except IntegrityError:  # an editor took one of our slugs while we ran
            self.session.rollback()
            raise Conflict("a slug this import chose was taken meanwhile; run the import "
                           "again: it continues where it stopped") from None
        if self.pending:  # one statement each for the records and the events, not one a row
            records = []
            for item, article in self.pending:
                assert article.id is not None
                records.append({"source": self.source, "kind": "article", "source_id": item.post_id,
                                "local_id": article.id})
                self.imported["article", item.post_id] = article.id
            self.session.execute(insert(ImportedRecord), records)
            self.outbox.add_all(self.session, [
                article_event(self.session, article, self.settings, ArticlePublished)
                for _, article in self.pending])
        self.session.commit()
        self.summary.make("article", len(self.pending))
        self.pending.clear()

    def _slug(self, item: WpItem, title: str) -> str:
        """The post's own slug if no article has it; else, as for a new article, suffixed
        -2, -3, … until free."""
        base = (_slug(unquote(item.post_name)) or _slug(title if title != NO_TITLE else "")
                or f"post-{_slug(item.post_id) or 'untitled'}")
        slug, n = base, 1
        while slug in self.slugs:
            n += 1
            slug = f"{base}-{n}"
        self.slugs.add(slug)
        return slug

    def _category_of(self, item: WpItem) -> int:
        """The post's first category; else the file's "uncategorized"; else "Imported"."""
        if item.categories:
            wp = item.categories[0]
        elif "uncategorized" in self.declared:
            wp = self.declared["uncategorized"]
        else:
            wp = WpCategory(nicename="imported", name=FALLBACK_CATEGORY)
        category = self.category(wp)
        assert category.id is not None
        return category.id

    def _posted_by(self, item: WpItem) -> str:
        """The name the old site showed for the author, else their login, else the editor's."""
        for name in (self.authors.get(item.creator, ""), item.creator, self.editor.nic):
            if shown := _one_line(html.unescape(name), POSTED_BY):
                return shown
        return self.editor.nic


_BURG_META = ("dateline", "dateline_place", "source_name", "source_url", "source_note",
              "comments_close_at")


def _burg_fields(meta: dict[str, str]) -> dict[str, Any]:
    """The article fields a Burg export kept in `_burg_…` meta, each checked as the article
    form checks it (ArticleUpdate); one that is empty or fails is left out."""
    fields: dict[str, Any] = {}
    for name in _BURG_META:
        if value := meta.get(f"_burg_{name}"):
            try:
                checked = ArticleUpdate.model_validate({name: value})
            except ValidationError:
                continue
            fields[name] = getattr(checked, name)
    return fields


def _not_imported(item: WpItem, seen: set[str]) -> str | None:
    """Why the item is not imported as an article, if it is not."""
    if not item.post_id:
        return "no wp:post_id"
    if len(item.post_id) > SOURCE_ID:
        return f"a wp:post_id longer than {SOURCE_ID} characters"
    if item.post_id in seen:
        return "its wp:post_id came earlier in the file"
    if item.post_type != "post":
        return f"not a post ({item.post_type or 'no wp:post_type'})"
    if item.status != "publish":
        return f"not published (status {item.status or 'missing'})"
    if item.password:
        return "password-protected (importing would make it public)"
    return None


def _moment(item: WpItem) -> datetime | None:
    """When the post was published, in UTC: wp:post_date_gmt; without it (WordPress writes
    0000-00-00 00:00:00), pubDate, which carries its zone; else wp:post_date, the site's local
    time, taken as UTC. Burg's JSON export gives the moment whole (`_burg_published_at`,
    ISO 8601 with its zone), to the microsecond."""
    for moment in (_iso(item.meta.get("_burg_published_at", "")), _gmt(item.date_gmt),
                   _rfc822(item.pub_date), _gmt(item.date_local)):
        if moment is not None and 1970 <= moment.year <= 9998:
            return moment
    return None


def _iso(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    try:
        return moment.astimezone(UTC) if moment.tzinfo else None
    except OverflowError:
        return None


def _gmt(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def _rfc822(value: str) -> datetime | None:
    if not _FOUR_DIGIT_YEAR.search(value):  # WordPress's "Mon, 30 Nov -0001" reads as 2000
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        return None


def _local_date(value: str) -> date | None:
    """The post's date as the old site showed it (its own time zone), for the dateline."""
    moment = _gmt(value)
    return moment.date() if moment is not None and 1970 <= moment.year <= 9998 else None


def _plain(source: str) -> str:
    """A title's text: WordPress titles may hold entities (&amp;, &#8217;) and tags."""
    if "<" not in source and "&" not in source:
        return source
    return html.unescape(nh3.clean(source, tags=set()))


def _one_line(value: str, limit: int) -> str:
    """`value` as a one-line field takes it (shared/text.py): what no field may hold and
    bidirectional overrides dropped, any run of spaces and line breaks one space, and cut to
    `limit` characters (with an ellipsis) at most."""
    value = _SPACES.sub(" ", _BIDI.sub("", UNCARRIABLE.sub("", value))).strip()
    return value if len(value) <= limit else value[:limit - 1].rstrip() + "…"


def _multi_line(value: str) -> str:
    """`value` as a multi-line field takes it: line breaks as line feeds, what no field may
    hold dropped."""
    return UNCARRIABLE.sub("", _LINE_BREAK.sub("\n", value).replace("\u2029", "\n\n"))


def _slug(text: str) -> str:
    """`slugify`, or "" where it would say "item" for want of any letter or digit."""
    slug = slugify(text)
    return "" if slug == "item" and "item" not in text.lower() else slug
