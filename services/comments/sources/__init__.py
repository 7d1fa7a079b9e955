"""The other systems comments are imported from (WordPress, Disqus, Isso, and Burg's own JSON
export), each read into the same shapes: threads, each with the comments it had.
`services.comments.importing` makes Burg's comments of them; a reader only reads its format
and says what it found.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class SourceState(StrEnum):
    public = "public"  # approved, shown on the other site: imported
    pending = "pending"  # waiting for approval there: skipped
    deleted = "deleted"  # deleted there: skipped (kept as a removed place if it has replies)
    spam = "spam"  # marked as spam there: skipped


@dataclass(frozen=True)
class SourceComment:
    source_id: str  # its id in the file, unique within the source
    parent_id: str | None  # the source id of the comment it replies to
    author: str  # the name it was posted under: becomes the nic
    website: str | None  # the author's URL, as given (checked on import)
    created_at: datetime  # aware, in UTC
    html: str  # its body as the other system kept it (HTML, or text)
    state: SourceState = SourceState.public
    # Burg's own export keeps the markup as written and when it was edited: taken as they are.
    markup: str | None = None
    edited_at: datetime | None = None


@dataclass(frozen=True)
class SourceThread:
    source_id: str  # the thread's (or WordPress post's) id in the file
    url: str | None  # where the thread was shown: matched to an article's address
    title: str
    comments: list[SourceComment] = field(default_factory=list)
