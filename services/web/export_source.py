"""What an export of the site holds, read from the posts and comments services' exports
(`/api/posts/export`, `/api/comments/export`: lines of JSON, editors only) as they come, and
merged: each article with the comments of its thread.

Both streams are in article-id order (the comments in thread order within an article), so the
merge holds one article and its thread at a time, however large the site. A comment whose
article is not in the posts export (there should be none: comments of retracted articles are
left out by their service) is skipped. A stream that ends without its `end` line was cut
short (a service stopped midway): `ExportCut`, so no partial file passes for a backup."""

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx

from services.web.apis import Apis, Json, ServiceError, bearer


class ExportCut(Exception):
    """A service's export stream ended before its last line: the export is incomplete."""


@dataclass
class Export:
    """The site's public data as it streams: categories and authors first (small, kept),
    then `articles()` one by one with their comments, then `nics()`."""

    categories: list[Json]
    authors: list[str]
    _posts: AsyncIterator[Json]
    _comments: AsyncIterator[Json]
    _ahead: list[Json] = field(default_factory=list)  # lines read, not yet used
    _comment_ahead: Json | None = None
    counts: dict[str, int] = field(default_factory=dict)

    async def articles(self) -> AsyncIterator[Json]:
        """Each published article, by id, with `comments`: its thread's, in thread order."""
        while True:
            line = self._ahead.pop() if self._ahead else await _next(self._posts, "posts")
            if "end" in line:
                self.counts.update(line["end"])
                return
            if "article" not in line:
                continue  # a kind of line this version does not know: not ours to guess
            article = line["article"]
            article["comments"] = [c async for c in self._thread(article["id"])]
            yield article

    async def nics(self) -> AsyncIterator[Json]:
        """The nics of public comments (after every article: the comments stream ends with
        them)."""
        while True:
            line = await self._next_comment_line()
            if "end" in line:
                self.counts.update(line["end"])
                return
            if "nic" in line:
                yield line["nic"]

    async def _thread(self, article_id: int) -> AsyncIterator[Json]:
        while True:
            line = await self._next_comment_line()
            comment = line.get("comment")
            if comment is None or comment["article_id"] > article_id:
                self._comment_ahead = line
                return
            if comment["article_id"] == article_id:
                yield comment

    async def _next_comment_line(self) -> Json:
        if self._comment_ahead is not None:
            line, self._comment_ahead = self._comment_ahead, None
            return line
        return await _next(self._comments, "comments")


async def open_export(apis: Apis, token: str, stack: AsyncExitStack) -> Export:
    """Both services' exports, opened as the editor holding `token` (ServiceError if either
    refuses: a 401 for a token they do not know), with the categories and authors read; the
    streams close with `stack`."""
    posts = await _stream(apis, f"{apis.posts}/export", token, stack)
    comments = await _stream(apis, f"{apis.comments}/export", token, stack)
    categories: list[Json] = []
    authors: list[str] = []
    while True:
        line = await _next(posts, "posts")
        if "category" in line:
            categories.append(line["category"])
        elif "author" in line:
            authors.append(line["author"]["nic"])
        else:
            return Export(categories, authors, posts, comments, [line])


async def _stream(apis: Apis, url: str, token: str, stack: AsyncExitStack
                  ) -> AsyncIterator[Json]:
    try:
        response = await stack.enter_async_context(
            apis.http.stream("GET", url, headers=bearer(token), timeout=httpx.Timeout(
                30, read=300)))
    except httpx.HTTPError as exc:
        raise ServiceError(503, "A service of the site cannot be reached; try again soon."
                           ) from exc
    if response.status_code != 200:
        await response.aread()
        try:
            detail = str(response.json()["detail"])
        except (ValueError, KeyError, TypeError):
            detail = "The export could not be made."
        raise ServiceError(response.status_code, detail)
    return _lines(response)


async def _lines(response: httpx.Response) -> AsyncIterator[Json]:
    async for line in response.aiter_lines():
        if line.strip():
            parsed: Any = json.loads(line)
            yield parsed


async def _next(lines: AsyncIterator[Json], service: str) -> Json:
    try:
        return await anext(lines)
    except StopAsyncIteration:
        raise ExportCut(f"the {service} service's export ended before its last line") from None
    except httpx.HTTPError as exc:
        raise ExportCut(f"the {service} service's export broke off: {exc}") from exc
