"""Which comments on an article are the reader's own and still theirs to change, and for how
long: for `/articles/<slug>/reader` (pages.py), whose answer `static/reader.js` turns into the
Edit and Delete links beside them (the page itself is every reader's), and for the edit and
delete pages (own_comments.py)."""

import math
import re
from datetime import datetime

from services.web.apis import Apis, Json, ServiceError

_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{1,500}")  # what apis.py sends as a token


def minutes_left(comment: Json) -> int:
    """Whole minutes, rounded up, until the comment's edit window closes (0 once closed)."""
    until = datetime.fromisoformat(str(comment["editable_until"]))
    seconds = (until - datetime.now(until.tzinfo)).total_seconds()
    return max(0, math.ceil(seconds / 60))


async def own_on_article(apis: Apis, token: str | None, slug: str) -> list[Json]:
    """The reader's comments on the article `slug` they may still change: id, minutes left
    and whether the text can still be edited (none for a reader the API does not know, or
    when it cannot say: the page is still worth showing). One call, whatever the article:
    a commenter has few comments inside the window."""
    if not as_commenter(token):
        return []
    try:
        found = await apis.send("GET", f"{apis.comments}/commenters/me/comments",
                                 headers=as_commenter(token))
    except ServiceError:
        return []
    return [{"id": c["id"], "can_edit": c["can_edit"], "minutes_left": minutes_left(c)}
            for c in found["data"] if c["article_slug"] == slug and minutes_left(c) > 0]


def as_commenter(token: str | None) -> dict[str, str]:
    """The header that makes an API call the commenter's (none for a token that cannot be
    one: a hand-made cookie must not become a header the client refuses)."""
    return {"X-Commenter-Token": token} if token and _TOKEN.fullmatch(token) else {}
