"""What the editors' moderation pages ask the comments API (moderation_desk.py shows it): the
comments waiting, reported and hidden across all articles merged into one queue, newest first,
each with its article; the banned commenters; the audit; and the actions, one comment or nic
at a time or many comments in one call, each failure as a sentence naming the comment."""

import asyncio
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from services.web.apis import Apis, Json, ServiceError, bearer

KINDS = ("waiting", "flagged", "hidden")
# The queue's buttons and bulk actions → (HTTP method, the API's action, or None: DELETE).
COMMENT_ACTIONS = {"approve": "approve", "reject": "reject", "hide": "hide",
                   "restore": "restore", "delete": None, "dismiss-flags": "dismiss-flags"}
NIC_ACTIONS = ("ban", "unban")
EMPTY = ("reject", "delete")  # answered 204: nothing to read


async def queue(apis: Apis, token: str) -> list[Json]:
    """The waiting, reported and hidden comments of all articles, one item per comment:
    `comment`, its `kinds` (a held comment is both reported and hidden), `flags`, `reasons`,
    `at` (when it was posted, or last reported) and its `article` (None if unknown), newest
    first."""
    waiting, flagged, hidden = await asyncio.gather(*(
        apis.send("GET", f"{apis.comments}/moderation/{kind}", headers=bearer(token))
        for kind in KINDS))
    items: dict[int, Json] = {}

    def item(comment: Json) -> Json:
        return items.setdefault(comment["id"], {
            "comment": comment, "kinds": [], "flags": 0, "reasons": [],
            "at": comment["created_at"], "article": None})

    for kind, found in (("waiting", waiting), ("hidden", hidden)):
        for comment in found["data"]:
            item(comment)["kinds"].append(kind)
    for report in flagged["data"]:
        entry = item(report["comment"])
        entry["kinds"].insert(0, "flagged")
        entry.update(flags=report["flags"], reasons=report["reasons"],
                     at=max(entry["at"], report["last_flagged_at"]))
    articles = await _articles(apis, token, {i["comment"]["article_id"] for i in items.values()})
    for entry in items.values():
        entry["article"] = articles.get(entry["comment"]["article_id"])
    return sorted(items.values(), key=lambda i: (i["at"], i["comment"]["id"]), reverse=True)


async def _articles(apis: Apis, token: str, ids: Iterable[int]) -> dict[int, Json]:
    """The articles by id, as the posts API shows them to an editor (drafts and retracted
    ones too); one it cannot show is left out (the page names it by its number)."""
    wanted = sorted(ids)
    found = await asyncio.gather(*(apis.draft(token, i) for i in wanted), return_exceptions=True)
    return {i: a for i, a in zip(wanted, found, strict=True) if isinstance(a, dict)}


async def act_on_comment(apis: Apis, token: str, comment_id: int, action: str) -> None:
    """One of `COMMENT_ACTIONS` on one comment (ServiceError if the API refuses)."""
    url = f"{apis.comments}/comments/{int(comment_id)}"
    name = COMMENT_ACTIONS[action]
    if name is None:
        await apis.send("DELETE", url, headers=bearer(token), empty=True)
    else:
        await apis.send("POST", f"{url}/{name}", headers=bearer(token),
                         empty=action in EMPTY)


async def act_on_comments(apis: Apis, token: str, comment_ids: list[int], action: str
                          ) -> tuple[int, list[tuple[int, ServiceError]]]:
    """One of `COMMENT_ACTIONS` on many comments in one call: (how many were done, each
    refused comment with why). ServiceError if the API refuses the whole call."""
    answer = await apis.send("POST", f"{apis.comments}/moderation/actions", headers=bearer(token),
                             json={"action": action, "comment_ids": comment_ids})
    return len(answer["done"]), [(r["comment_id"], ServiceError(r["status"], r["detail"]))
                                 for r in answer["refused"]]


async def act_on_nic(apis: Apis, token: str, nic: str, action: str) -> None:
    """Ban or unban the commenter who uses `nic` (ServiceError if the API refuses)."""
    assert action in NIC_ACTIONS
    await apis.send("POST", f"{apis.comments}/nics/{quote(nic, safe='')}/{action}",
                     headers=bearer(token), empty=True)


async def banned(apis: Apis, token: str) -> list[Json]:
    return list((await apis.send("GET", f"{apis.comments}/moderation/banned",
                                  headers=bearer(token)))["data"])


async def audit(apis: Apis, token: str, before: int | None) -> Json:
    params: dict[str, Any] = {"limit": 50} | ({"before": before} if before else {})
    return await apis.send("GET", f"{apis.comments}/moderation/audit", params=params,
                            headers=bearer(token))


def refusal(subject: str, exc: ServiceError) -> str:
    """What an editor reads when the API refused an action on `subject` ("Comment 12")."""
    if exc.status == 404:
        return f"{subject}: there is no such comment or nic (deleted meanwhile?)."
    if exc.status == 409:
        return f"{subject}: {exc.detail}."
    if exc.status == 401:
        return f"{subject}: your editor token is no longer valid; sign in again."
    return f"{subject}: this could not be done ({exc.detail})."
