"""The order a reader gives a thread's comments in: as they were written, except that a reply
never comes before the comment it answers (clocks and other importers disagree now and then),
so the importer can make each parent before its replies in one pass."""

import heapq
from collections.abc import Iterable
from datetime import UTC, datetime

from services.comments.sources import SourceComment


def parents_first(comments: Iterable[SourceComment]) -> list[SourceComment]:
    """`comments` by date (then by their given order), each parent in the list before its
    replies. A comment whose parent is not in the list counts as a first-level one; comments
    caught in a loop of parents (only a broken file has them) come last, by date."""
    dated = sorted(comments, key=lambda comment: _utc(comment.created_at))
    present = {comment.source_id for comment in dated}
    replies: dict[str, list[int]] = {}
    ready: list[tuple[datetime, int]] = []
    for index, comment in enumerate(dated):
        parent = comment.parent_id
        if parent is None or parent not in present or parent == comment.source_id:
            ready.append((_utc(comment.created_at), index))
        else:
            replies.setdefault(parent, []).append(index)
    heapq.heapify(ready)
    placed: list[SourceComment] = []
    done: set[int] = set()
    while ready:
        _, index = heapq.heappop(ready)
        if index in done:  # a duplicate id's replies may be reached twice
            continue
        done.add(index)
        comment = dated[index]
        placed.append(comment)
        for reply in replies.pop(comment.source_id, []):
            heapq.heappush(ready, (_utc(dated[reply].created_at), reply))
    placed.extend(comment for index, comment in enumerate(dated) if index not in done)
    return placed


def _utc(moment: datetime) -> datetime:
    """`moment` comparable with any other: a naive one (a reader that knows no zone) as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
