"""The article page as bytes (kept_pages.py): one page for every reader, rendered once per
change of the article or its thread, and answered before the framework runs (page_bytes.py).

Nothing personal is in it: the commenter's nics and count, the editor's buttons and the forms'
CSRF token come from `/articles/<slug>/reader` (pages.py), which `static/reader.js` asks for.
So the bytes carry a strong ETag, set no cookie, and a browser or a shared cache may keep them
(`no-cache`: each use is revalidated, a 304 when nothing changed).

Its parts: the article (posts API), then the page of its thread (comments API; an article the
comments service has not heard of yet has an empty one). A change the site makes to an article
or its thread is announced by its slug (`ArticlePages.changed(slug)`)."""

from collections.abc import Callable, Mapping
from typing import Any

from services.web.apis import THREAD_PAGE, Apis, Json, ServiceError, unheard_of
from services.web.kept_pages import Got, Kept, KeptPages, conditional

# slug, cursor, before, reply_to: what the page shows depends on nothing else.
Key = tuple[str, str | None, str | None, int | None]
Render = Callable[[Key, Json, Json], bytes]
ARTICLE, THREAD = "article", "thread"


class _Article:
    name = ARTICLE

    def __init__(self, apis: Apis) -> None:
        self.apis = apis

    async def check(self, key: Key, given: Mapping[str, Any], old: Got | None) -> Got:
        return await conditional(self.apis, self.apis.article_url(key[0]), None, old)


class _Thread:
    name = THREAD

    def __init__(self, apis: Apis) -> None:
        self.apis = apis

    async def check(self, key: Key, given: Mapping[str, Any], old: Got | None) -> Got:
        article = given[ARTICLE]
        try:
            return await conditional(self.apis, self.apis.thread_url(article["id"]),
                                     thread_params(key), old)
        except ServiceError as exc:
            if exc.status != 404:
                raise
        # Not heard of yet (asked again at each check): an empty thread.
        empty = unheard_of(article)
        return old if old is not None and old.asked is None and old.data == empty else Got(
            None, None, empty)


class ArticlePages(KeptPages[Key]):
    """This process's rendered article pages, grouped by slug."""

    def __init__(self, apis: Apis, render: Render, **options: Any) -> None:
        super().__init__([[_Article(apis)], [_Thread(apis)]],
                         lambda key, data: render(key, data[ARTICLE], data[THREAD]),
                         group=_slug, **options)
        self.apis = apis

    async def same_for(self, key: Key, kept: Kept, token: str) -> bool:
        """Whether the commenter `token` sees the thread as every reader does (not so under
        pre-moderation while they have comments waiting, which they alone see)."""
        thread = kept.parts[THREAD]
        if thread.etag is None:
            return True
        try:
            _, seen = await self.apis.if_changed(
                self.apis.thread_url(kept.data(ARTICLE)["id"]), thread.etag,
                thread_params(key), token)
        except ServiceError:
            return True
        return seen is None


def _slug(key: Key) -> str:
    return key[0]


def thread_params(key: Key) -> dict[str, Any]:
    _, cursor, before, _ = key
    return {"limit": THREAD_PAGE} | ({"cursor": cursor} if cursor else {}) | (
        {"before": before} if before else {})
