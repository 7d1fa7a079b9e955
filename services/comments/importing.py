"""Comments brought in from another system (WordPress, Disqus, Isso): each reader
(`sources/`) yields threads with their comments, and `import_threads` makes Burg's comments
of them, with the threading, numbers, counts, nics and events that posting would have made.

The rules, and why:

- A thread goes to the article published at its address before (`imported_from`, from the
  posts import) or now (`url`), compared without scheme, "www.", trailing slash and fragment;
  an address without a host (Isso keeps paths) by its path; as a last resort, by its last path
  segment as an article's slug, when one article alone has it. No article: its comments are
  skipped, and the summary says to import the articles first.
- Only what the other site showed is imported (approved there: premoderation does not apply
  here; nor does a thread's closing time, or the limit on links: they were posted before).
  A comment left out (waiting, spam, deleted, empty once converted) that has replies that
  are imported becomes a placeholder, a deleted comment without text or nic: the thread
  shows "removed" in its place, as it does for a comment deleted here, and its replies keep
  their place. A reply whose parent is not in the file becomes a top-level comment.
- A thread's comments are numbered by their dates, after what it has already, except that a
  reply dated before its parent (a clock set wrong on the old site) is numbered just after it.
- An author's name is their nic. A name that is (or looks like) a nic of a commenter here is
  that commenter (the same name was the same person on the old site); another gets a new
  commenter whose token no one has (a hash of a random token thrown away): the nic stays
  reserved, as it was there. A name that is, or looks like, an editor's nic gets a commenter
  of its own but no claim on the nic (editors' nics are theirs). A name that is no valid nic
  is cleaned (characters RFC 8266 refuses left out, cut to 40); what is left empty becomes
  "Anonymous".
- A website is kept if the comment form would accept it (http or https); a body is the HTML
  converted to the site markup, cut to MAX_COMMENT with an ellipsis if longer.
- Each imported comment emits `comment.created` (imported: no e-mail goes out) through the
  outbox, in the transaction of its row and of its `ImportedRecord`. A thread is one
  transaction; several small threads share one (`batch` comments). Run again, what the
  records name is left as it is ("already here"): an import stopped half-way continues.

Speed (100,000 comments): the articles, nics and records are read once; each thread costs a
few statements, its comments inserted and placed by executemany.
"""

import hashlib
import logging
import re
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast
from urllib.parse import unquote, urlsplit

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from services.comments.models import (
    MAX_COMMENT,
    CommentCreate,
    CommentsTable,
    CommentStatus,
)
from services.comments.nics import MAX_KEY, NicKeys, nic_keys, stored_nic_keys
from services.comments.pages import written
from services.comments.posting import place_in_thread
from services.comments.sources import SourceComment, SourceState, SourceThread
from services.comments.sources.order import parents_first
from shared.errors import Conflict
from shared.events import CommentCreated, utcnow
from shared.importing import Summary
from shared.markup import render
from shared.markup.from_html import from_html
from shared.outbox import Outbox
from shared.text import UNCARRIABLE, text

log = logging.getLogger(__name__)

BATCH = 2000  # comments per transaction, at least (a thread is never split)
ANONYMOUS = "Anonymous"  # the nic of an author whose name leaves nothing valid
COMMENT = "comment"  # the kind counted in the summary, and remembered in ImportedRecord
COMMENTER = "commenter"
# The commenter owning an import's placeholders: its name, and its record's id (a leading
# space: no nic's key has one, so no author's record can be taken for it).
PLACEHOLDER_NAME, PLACEHOLDERS = "(removed comments)", " removed comments"
MAX_SOURCE_ID = 200  # characters of an id in the file (what ImportedRecord keeps)

_tables = CommentsTable.metadata.tables
_article, _comment = _tables["articlereplica"], _tables["comment"]
_commenter, _nic, _record = _tables["commenter"], _tables["nic"], _tables["importedrecord"]
_editor = _tables["editorreplica"]

# What the comment form accepts as a website (an http or https URL, at most 2000 long).
_WEBSITE: TypeAdapter[Any] = TypeAdapter(cast(Any, CommentCreate.model_fields["website"]
                                              .annotation))
_RESERVE = (update(_article).where(_article.c.article_id == bindparam("article"))
            .values(last_number=_article.c.last_number + bindparam("taken"),
                    comment_count=_article.c.comment_count + bindparam("public"))
            .returning(_article.c.last_number))
_PLACE = (update(_comment).where(_comment.c.id == bindparam("comment_id"))
          .values(parent_id=bindparam("parent"), path=bindparam("place"),
                  depth=bindparam("level")))
# Rows inserted many at a time come back in no promised order (asking for their order makes
# SQLite insert them one by one): each row is known again by a unique column.
_NEW_COMMENTS = insert(_comment).returning(_comment.c.id, _comment.c.path)
_NEW_COMMENTERS = insert(_commenter).returning(_commenter.c.id, _commenter.c.token_hash)
_NEW_NICS, _NEW_RECORDS = insert(_nic), insert(_record)
_COUNT = (update(_commenter).where(_commenter.c.id == bindparam("commenter"))
          .values(comment_count=_commenter.c.comment_count + bindparam("more")))

WHY_LEFT_OUT = {
    SourceState.pending: "waiting for approval on the old site",
    SourceState.spam: "marked as spam on the old site",
    SourceState.deleted: "deleted on the old site",
}
EMPTY = "empty once its HTML was converted"
KEPT_AS_PLACE = " (kept as a removed place: it has replies)"
DUPLICATE = "its id came earlier in the file"
RETRACTED = "its article was retracted here"
TOP_LEVEL = "its parent is not in the file: imported as a top-level comment"
CUT = f"longer than {MAX_COMMENT} characters once converted: cut"
NO_WEBSITE = "website not an http(s) address the comment form accepts: left out"


def no_article(url: str | None) -> str:
    return (f"no article at {url or '(no address)'} (import the articles first, let the "
            "workers run, then run this again)")


def import_threads(sessions: sessionmaker[Any], outbox: Outbox, *, source: str,
                   threads: Iterable[SourceThread], summary: Summary | None = None,
                   batch: int = BATCH) -> Summary:
    """Import the comments of `threads`, read from `source` ("wordpress", "disqus", "isso":
    the records' namespace), counting in `summary` what was made, found already here and
    skipped; see the module's docstring for the rules. Commits every `batch` comments (at
    thread ends: the comments of those threads are made together, in a few statements);
    stopped, it loses at most the threads since the last commit."""
    summary = summary or Summary()
    with sessions() as session:
        importer = _Importer(session, outbox, source, summary)
        pending = 0
        for thread in threads:
            pending += importer.thread(thread)
            if pending >= batch:
                _commit(session, importer)
                pending = 0
        _commit(session, importer)
    return summary


def _commit(session: Session, importer: "_Importer") -> None:
    """Make the threads read so far and commit them. A nic taken by a commenter posting
    meanwhile stops the import (Conflict): run again, it goes on from the last commit."""
    try:
        importer.flush()
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict("a nic or comment was made by someone else while this import ran "
                       f"({type(exc.orig).__name__}); run the import again: it goes on where "
                       "it stopped") from None


# Articles -----------------------------------------------------------------------------------

class Article(NamedTuple):
    article_id: int
    title: str
    url: str
    retracted: bool
    followed: bool


# Query parameters that say where a reader came from, not which page: Disqus keeps a thread's
# link as first seen, often with them.
TRACKING = re.compile(r"(utm_[a-z]+|fbclid|gclid|msclkid|mc_cid|mc_eid|_ga)(=|$)", re.I)


def address_key(url: str | None) -> tuple[str, str] | None:
    """An address as imports compare it: (host without "www.", path without its trailing
    slash plus query without tracking parameters), percent-escapes decoded; scheme and
    fragment ignored. None for none."""
    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").removeprefix("www.")
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:
        return None
    path = unquote(parts.path).rstrip("/")
    if not parts.netloc and not parts.scheme and "/" in path and not path.startswith("/"):
        # "example.com/2019/post": a host written without its scheme
        host, _, rest = path.partition("/")
        host, path = host.lower().removeprefix("www."), "/" + rest
    query = "&".join(part for part in parts.query.split("&")
                     if part and not TRACKING.match(part))
    return host, path + (f"?{unquote(query)}" if query else "")


class Articles:
    """The articles threads can go to, read once: by old and current address, and by slug."""

    def __init__(self, conn: Connection) -> None:
        self.by_id: dict[int, Article] = {}
        # Each index: (imported_from matches, url matches), so an old address wins.
        self.by_address: tuple[dict[Any, set[int]], dict[Any, set[int]]] = ({}, {})
        self.by_path: tuple[dict[str, set[int]], dict[str, set[int]]] = ({}, {})
        self.by_slug: dict[str, set[int]] = {}
        rows = conn.execute(select(_article.c.article_id, _article.c.title, _article.c.url,
                                   _article.c.retracted, _article.c.followed, _article.c.slug,
                                   _article.c.imported_from))
        for row in rows:
            self.by_id[row.article_id] = Article(row.article_id, row.title, row.url,
                                                 row.retracted, row.followed)
            for level, address in enumerate((row.imported_from, row.url)):
                key = address_key(address)
                if key is not None:
                    self.by_address[level].setdefault(key, set()).add(row.article_id)
                    self.by_path[level].setdefault(key[1], set()).add(row.article_id)
            if row.slug:
                self.by_slug.setdefault(row.slug, set()).add(row.article_id)

    def match(self, url: str | None) -> Article | None:
        key = address_key(url)
        if key is None:
            return None
        host, path = key
        indexes: list[dict[Any, set[int]]] = []
        if host:
            indexes += [self.by_address[0], self.by_address[1]]
            wanted: Any = key
        else:
            indexes += [self.by_path[0], self.by_path[1]]
            wanted = path
        for index in indexes:
            found = index.get(wanted, set())
            if len(found) == 1:
                return self.by_id[next(iter(found))]
        slug = path.split("?", 1)[0].rsplit("/", 1)[-1]
        found = self.by_slug.get(slug, set()) if slug else set()
        return self.by_id[next(iter(found))] if len(found) == 1 else None


# Authors -----------------------------------------------------------------------------------

def clean_nic(name: str) -> tuple[str, str | None]:
    """A nic for an author's name, and what was done to it (None: nothing): the name with
    its spaces collapsed; else without the characters RFC 8266 refuses, cut to MAX_KEY;
    else ANONYMOUS."""
    plain = " ".join(UNCARRIABLE.sub("", name).split())
    if plain and len(plain) <= MAX_KEY and _valid(plain):
        return plain, None
    if not plain:
        return ANONYMOUS, f"author name empty: imported as {ANONYMOUS!r}"
    kept = " ".join("".join(c for c in plain if c == " " or _valid(c)).split())
    cut = kept[:MAX_KEY].rstrip()
    while cut and not _valid(cut):  # NFKC may lengthen it ("㎏" is "kg")
        cut = cut[:-1].rstrip()
    if not cut:
        return ANONYMOUS, f"author name not a valid nic: imported as {ANONYMOUS!r}"
    return cut, "author name not a valid nic: cleaned"


def _valid(nic: str) -> bool:
    try:
        nic_keys(nic)
    except ValueError:
        return False
    return True


def unusable_token_hash() -> str:
    """A token hash no one can present: the hash of a random token that is thrown away."""
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()


class Owner:
    """A commenter an author's comments go to: known, or made at the next `Authors.make`."""

    __slots__ = ("id",)

    def __init__(self, commenter_id: int | None = None) -> None:
        self.id = commenter_id


class Author(NamedTuple):
    nic: str
    key: str
    owner: Owner


class Authors:
    """Nics and the commenters they belong to, read once and kept up to date as the import
    makes new ones (in bulk: `make`, before the comments that need them)."""

    def __init__(self, session: Session, source: str, summary: Summary) -> None:
        self.session, self.source, self.summary = session, source, summary
        conn = session.connection()
        self.holders: tuple[dict[str, Owner], dict[str, Owner], dict[str, Owner]] = ({}, {}, {})
        owners: dict[int, Owner] = {}
        for row in conn.execute(select(_nic.c.key, _nic.c.skeleton, _nic.c.skeleton_cased,
                                       _nic.c.commenter_id)):
            owner = owners.setdefault(row.commenter_id, Owner(row.commenter_id))
            self._hold(NicKeys(row.key, row.skeleton, row.skeleton_cased), owner)
        self.editors = [stored_nic_keys(nic) for nic in conn.execute(select(_editor.c.nic))
                        .scalars()]
        self.imported = {source_id: Owner(local_id) for source_id, local_id in conn.execute(
            select(_record.c.source_id, _record.c.local_id).where(
                _record.c.source == source, _record.c.kind == COMMENTER)).all()}
        self.by_name: dict[str, Author] = {}
        self.new: list[tuple[Owner, str, str, NicKeys | None]] = []  # to make: nic, record

    def _hold(self, keys: NicKeys, owner: Owner) -> None:
        for index, key in zip(self.holders, keys, strict=True):
            index.setdefault(key, owner)

    def author(self, name: str, source_id: str) -> Author:
        """The nic and commenter of the author `name` (a new one is made by `make`)."""
        known = self.by_name.get(name)
        if known is not None:
            return known
        nic, remark = clean_nic(name)
        if remark:
            self.summary.note(COMMENT, source_id, remark)
        keys = nic_keys(nic)
        owner = next((index[key] for index, key in zip(self.holders, keys, strict=True)
                      if key in index), None) or self.imported.get(keys.key)
        if owner is None:
            owner = self.imported[keys.key] = Owner()
            claims = not self._editors_like(keys)
            if claims:
                self._hold(keys, owner)
            self.new.append((owner, nic, keys.key, keys if claims else None))
            self.summary.make(COMMENTER)
        else:
            self.summary.keep(COMMENTER)
        author = self.by_name[name] = Author(nic, keys.key, owner)
        return author

    def placeholders(self) -> Owner:
        """The commenter owning this source's placeholders (made on first need)."""
        owner = self.imported.get(PLACEHOLDERS)
        if owner is None:
            owner = self.imported[PLACEHOLDERS] = Owner()
            self.new.append((owner, PLACEHOLDER_NAME, PLACEHOLDERS, None))
        return owner

    def _editors_like(self, keys: NicKeys) -> bool:
        return any(mine == theirs for editor in self.editors
                   for mine, theirs in zip(keys, editor, strict=True))

    def make(self) -> None:
        """Make the commenters `author` found no one for, with their nics, and remember them
        (a commenter of placeholders claims no nic and is never approved)."""
        if not self.new:
            return
        conn, now = self.session.connection(), utcnow()
        hashes = [unusable_token_hash() for _ in self.new]
        ids = dict((token_hash, commenter_id) for commenter_id, token_hash in conn.execute(
            _NEW_COMMENTERS, [
                {"token_hash": token_hash, "original_nic": nic, "comment_count": 0,
                 "approved": record != PLACEHOLDERS, "banned": False, "created_at": now}
                for token_hash, (_, nic, record, _) in zip(hashes, self.new, strict=True)]))
        for token_hash, (owner, *_) in zip(hashes, self.new, strict=True):
            owner.id = ids[token_hash]
        nics = [{"nic": nic, "commenter_id": owner.id, "created_at": now, **keys._asdict()}
                for owner, nic, _, keys in self.new if keys is not None]
        if nics:
            conn.execute(_NEW_NICS, nics)
        conn.execute(_NEW_RECORDS, [{"source": self.source, "kind": COMMENTER,
                                     "source_id": record, "local_id": owner.id}
                                    for owner, _, record, _ in self.new])
        self.new = []


# Comments ----------------------------------------------------------------------------------

@dataclass
class _New:
    """A comment about to be made: its row's values, then its id and place."""

    source: SourceComment
    public: bool
    values: dict[str, Any]
    order: int  # its place in the file, after created_at in numbering
    comment_id: int = 0
    parent_id: int | None = None
    path: str = ""
    depth: int = 0


class _Place(NamedTuple):
    """A comment's place, as posting's `place_in_thread` reads its parent's."""

    comment_id: int
    article_id: int
    path: str
    depth: int


@dataclass
class _Importer:
    session: Session
    outbox: Outbox
    source: str
    summary: Summary
    articles: Articles = field(init=False)
    authors: Authors = field(init=False)
    done: dict[str, int] = field(init=False)  # source id → comment id, of earlier runs too
    seen: set[str] = field(default_factory=set)  # source ids met in this run
    # Threads read, their comments numbered, waiting for `flush` to make them.
    pending: list[tuple[Article, list[_New]]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.articles = Articles(self.conn)
        self.authors = Authors(self.session, self.source, self.summary)
        self.done = dict(self.conn.execute(select(_record.c.source_id, _record.c.local_id).where(
            _record.c.source == self.source, _record.c.kind == COMMENT)).all())

    @property
    def conn(self) -> Connection:
        """The session's connection, in its transaction (a new one after each commit)."""
        return self.session.connection()

    def thread(self, thread: SourceThread) -> int:
        """Import one thread's comments; how many rows it made."""
        comments = parents_first(self._unique(thread.comments))
        if not comments:
            return 0
        article = self.articles.match(thread.url)
        if article is None or article.retracted:
            why = no_article(thread.url) if article is None else RETRACTED
            for comment in comments:
                self.summary.skip(COMMENT, comment.source_id, why)
            return 0
        by_id = {c.source_id: c for c in comments}
        bodies: dict[str, tuple[str, str]] = {}
        left_out: dict[str, str] = {}
        kept: set[str] = set()  # public ones an earlier run imported
        for comment in comments:
            reason = WHY_LEFT_OUT.get(comment.state)
            if reason is None and comment.source_id in self.done:
                kept.add(comment.source_id)
            elif reason is None:
                body = self._body(comment)
                if body is None:
                    reason = EMPTY
                else:
                    bodies[comment.source_id] = body
            if reason is not None:
                left_out[comment.source_id] = reason
        places = self._placeholders(by_id, set(bodies) | kept)
        new: list[_New] = []
        for order, comment in enumerate(comments):
            sid = comment.source_id
            if sid in left_out:
                held = sid in places or (sid in self.done and comment.state != SourceState.public)
                self.summary.skip(COMMENT, sid, left_out[sid] + (KEPT_AS_PLACE if held else ""))
                if sid in places and sid not in self.done:
                    new.append(self._placeholder(comment, article, order))
            elif sid in self.done:
                self.summary.keep(COMMENT)
            else:
                new.append(self._public(comment, article, bodies[sid], order))
        if new:
            self._number(article, new)
            self.pending.append((article, new))
        return len(new)

    def _unique(self, comments: list[SourceComment]) -> list[SourceComment]:
        unique = []
        for comment in comments:
            if comment.source_id in self.seen:
                self.summary.skip(COMMENT, comment.source_id, DUPLICATE)
                continue
            if not comment.source_id or len(comment.source_id) > MAX_SOURCE_ID:
                self.summary.skip(COMMENT, comment.source_id[:MAX_SOURCE_ID] or "(none)",
                                  f"no id, or one longer than {MAX_SOURCE_ID} characters")
                continue
            self.seen.add(comment.source_id)
            unique.append(comment)
        return unique

    def _body(self, comment: SourceComment) -> tuple[str, str] | None:
        """The comment's body in site markup, and rendered; None if nothing is left."""
        source = from_html(comment.html) if comment.markup is None else comment.markup
        body = text(UNCARRIABLE.sub("", source)) or ""
        body = body.strip()
        if not body:
            return None
        if len(body) > MAX_COMMENT:
            body = body[:MAX_COMMENT - 1].rstrip() + "…"
            self.summary.note(COMMENT, comment.source_id, CUT)
        return body, render(body)

    def _placeholders(self, by_id: dict[str, SourceComment], imported: set[str]) -> set[str]:
        """Source ids of the comments left out that keep a place: those above an imported
        reply (or one imported before), up to the nearest comment that is imported."""
        places: set[str] = set()
        for sid in imported:
            chain = {sid}
            parent = by_id[sid].parent_id
            while (parent is not None and parent in by_id and parent not in imported
                   and parent not in chain and parent not in places):
                places.add(parent)
                chain.add(parent)
                parent = by_id[parent].parent_id
        return places

    def _website(self, comment: SourceComment) -> str | None:
        if not comment.website or not comment.website.strip():
            return None
        try:
            url = _WEBSITE.validate_python(comment.website.strip())
        except ValidationError:
            url = None
        if url is None:
            self.summary.note(COMMENT, comment.source_id, NO_WEBSITE)
            return None
        return str(url)

    def _public(self, comment: SourceComment, article: Article, body: tuple[str, str],
                order: int) -> _New:
        author = self.authors.author(comment.author, comment.source_id)
        return _New(comment, True, {
            "article_id": article.article_id, "parent_id": None, "path": "", "depth": 0,
            "commenter_id": author.owner, "nic": author.nic, "nic_key": author.key,
            "website": self._website(comment), "body": body[0], "body_html": body[1],
            "status": CommentStatus.visible, "notify_replies": False,
            "created_at": _aware(comment.created_at), "edited_at": comment.edited_at}, order)

    def _placeholder(self, comment: SourceComment, article: Article, order: int) -> _New:
        """A removed place: no nic, website or text (as a comment deleted here shows)."""
        return _New(comment, False, {
            "article_id": article.article_id, "parent_id": None, "path": "", "depth": 0,
            "commenter_id": self.authors.placeholders(), "nic": "", "nic_key": "",
            "website": None, "body": "", "body_html": "", "status": CommentStatus.deleted,
            "notify_replies": False, "created_at": _aware(comment.created_at),
            "edited_at": None}, order)

    def _number(self, article: Article, new: list[_New]) -> None:
        """Number the thread's new comments by time, each reply after its parent even where
        the file dates it earlier (a clock set wrong on the old site), after the thread's last
        (a range taken in one statement, as posting takes one number), and count its public
        ones."""
        new.sort(key=lambda n: n.order)  # the thread's comments came in that order
        public = sum(n.public for n in new)
        last = self.conn.execute(_RESERVE, {"article": article.article_id, "taken": len(new),
                                            "public": public}).scalar_one()
        for number, item in enumerate(new, start=last - len(new) + 1):
            item.values["number"] = number

    def flush(self) -> None:
        """Make the comments of the threads read since the last flush, a few statements for
        them all: insert them, then place them (their ids make their paths), remember them,
        count them and announce the public ones."""
        if not self.pending:
            return
        conn, pending, self.pending = self.conn, self.pending, []
        self.authors.make()
        new = [item for _, items in pending for item in items]
        for row, item in enumerate(new):  # a path of its own until it is placed
            item.values["commenter_id"] = item.values["commenter_id"].id
            item.values["path"] = f"~{row}"
        ids = dict((path, comment_id) for comment_id, path in conn.execute(
            _NEW_COMMENTS, [n.values for n in new]))
        for item in new:
            item.comment_id = ids[item.values["path"]]
        for article, items in pending:
            self._place_all(article, items)
            written(self.session, article.article_id)
        conn.execute(_PLACE, [{"comment_id": n.comment_id, "parent": n.parent_id,
                               "place": n.path, "level": n.depth} for n in new])
        conn.execute(_NEW_RECORDS, [
            {"source": self.source, "kind": COMMENT, "source_id": n.source.source_id,
             "local_id": n.comment_id} for n in new])
        counts = Counter(n.values["commenter_id"] for n in new if n.public)
        if counts:
            conn.execute(_COUNT, [{"commenter": c, "more": k} for c, k in counts.items()])
        for item in new:
            self.done[item.source.source_id] = item.comment_id
        events = [CommentCreated(
            comment_id=item.comment_id, article_id=article.article_id,
            article_title=article.title, article_url=article.url,
            parent_id=item.parent_id, commenter_id=item.values["commenter_id"],
            nic=item.values["nic"], body_html=item.values["body_html"],
            created_at=item.values["created_at"], thread_followed=article.followed,
            imported=True) for article, items in pending for item in items if item.public]
        self.summary.make(COMMENT, len(events))
        self.outbox.add_all(self.session, events)

    def _place_all(self, article: Article, new: list[_New]) -> None:
        """Each new comment's parent, path and depth, parents first (`place_in_thread`)."""
        made = {n.source.source_id: n for n in new}
        earlier = self._earlier_places(article, new, made)
        placed: dict[str, _Place] = {}

        def place(item: _New, climbing: set[str]) -> _Place:
            sid = item.source.source_id
            if sid in placed:
                return placed[sid]
            parent_place: _Place | None = None
            parent = item.source.parent_id
            if parent is not None and parent in made and parent not in climbing:
                parent_place = place(made[parent], climbing | {sid})
            elif parent is not None and parent in earlier:
                parent_place = earlier[parent]
            elif parent is not None and item.public:
                self.summary.note(COMMENT, sid, TOP_LEVEL)
            item.parent_id = parent_place.comment_id if parent_place else None
            item.path, item.depth = place_in_thread(item.comment_id, cast(Any, parent_place))
            placed[sid] = _Place(item.comment_id, article.article_id, item.path, item.depth)
            return placed[sid]

        for item in new:
            _climb(item, made, place)

    def _earlier_places(self, article: Article, new: list[_New],
                        made: dict[str, _New]) -> dict[str, _Place]:
        """The places of parents imported by an earlier run (or thread), on this article."""
        wanted = {self.done[p] for n in new if (p := n.source.parent_id) is not None
                  and p not in made and p in self.done}
        if not wanted:
            return {}
        rows = self.conn.execute(select(_comment.c.id, _comment.c.article_id, _comment.c.path,
                                        _comment.c.depth).where(_comment.c.id.in_(wanted)))
        by_local = {row.id: _Place(row.id, row.article_id, row.path, row.depth) for row in rows}
        return {sid: by_local[local] for sid, local in self.done.items()
                if local in by_local and by_local[local].article_id == article.article_id}


def _climb(item: _New, made: dict[str, _New], place: Any) -> None:
    """Place `item` after its ancestors without deep recursion: a thread of thousands of
    nested replies would exceed Python's recursion limit."""
    chain = [item]
    seen = {item.source.source_id}
    parent = item.source.parent_id
    while parent is not None and parent in made and parent not in seen:
        seen.add(parent)
        chain.append(made[parent])
        parent = made[parent].source.parent_id
    climbing: set[str] = set()
    for ancestor in reversed(chain):  # the topmost first: each finds its parent placed
        place(ancestor, climbing)


def _aware(moment: datetime) -> datetime:
    """`moment` in UTC; a reader's naive time is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


