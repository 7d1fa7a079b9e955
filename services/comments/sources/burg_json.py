"""The comments of Burg's own JSON export (`python -m services.web.export --format json`),
for `import-burg FILE.json`: each article is a thread (its id, its address, its title) with
its comments as the export wrote them, in thread order.

A comment keeps its markup as written (`body`) and when it was edited: both taken as they
are, as from the `_burg_…` meta of Burg's WXR export. A placeholder (`removed`: taken down
on the old site, kept for its public replies) is read as a deleted comment, which the import
keeps as a removed place above its replies. Nics are the authors' names; e-mail addresses
are in no export.

A comment (or an article) with a field missing or of the wrong type, or a bad date, is
skipped with the reason in the summary; an article's comments are skipped with it. Duplicate
ids are the import's to count (`importing.py`).
"""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from services.comments.sources import SourceComment, SourceState, SourceThread
from shared.burg_json import BadField, Fields, load, shown_id
from shared.importing import Summary

SOURCE = "burg"
COMMENT = "comment"


def read(path: Path, summary: Summary) -> Iterator[SourceThread]:
    """The threads of the export at `path`, comments skipped here counted in `summary`. The
    file is read and checked at once (NotBurgExport), before any thread is asked for."""
    articles: list[Any] = load(path).get("articles", [])
    return _threads(articles, summary)


def count(path: Path) -> int | None:
    """None: the number of threads is known only once the file is read (by `read`); the
    progress bar counts without a total rather than read a large file twice."""
    return None


def _threads(articles: list[Any], summary: Summary) -> Iterator[SourceThread]:
    for raw in articles:
        try:
            fields = Fields(raw, "its article")
            thread = SourceThread(source_id=fields.id(), url=fields.text("url"),
                                  title=fields.optional_text("title"))
            comments = fields.items("comments")
        except BadField as exc:
            _skip_all(raw, f"its article was skipped: {exc}", summary)
            continue
        for comment in comments:
            try:
                thread.comments.append(_comment(Fields(comment, "the comment")))
            except BadField as exc:
                summary.skip(COMMENT, shown_id(comment), str(exc))
        yield thread


def _comment(fields: Fields) -> SourceComment:
    source_id = fields.id()
    parent_id = fields.optional_id("parent_id")
    created_at = fields.moment("created_at")
    if fields.flag("removed"):  # a placeholder: no nic, website or text
        return SourceComment(source_id=source_id, parent_id=parent_id, author="",
                             website=None, created_at=created_at, html="",
                             state=SourceState.deleted)
    return SourceComment(
        source_id=source_id, parent_id=parent_id, author=fields.text("nic"),
        website=fields.optional_text("website") or None, created_at=created_at,
        html=fields.optional_text("body_html"), markup=fields.text("body"),
        edited_at=fields.optional_moment("edited_at"), state=SourceState.public)


def _skip_all(article: object, reason: str, summary: Summary) -> None:
    """Count the comments of an article skipped whole (if it has a list of them)."""
    comments = article.get("comments") if isinstance(article, dict) else None
    if not isinstance(comments, list):
        summary.skip(COMMENT, f"those of article {shown_id(article)}", reason)
        return
    for comment in comments:
        summary.skip(COMMENT, shown_id(comment), reason)
