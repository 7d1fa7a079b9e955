"""The other services' public HTTP APIs, as the web frontend uses them (and as any
third-party frontend could): articles and categories from posts, threads from comments,
results from search."""

import asyncio
import re
from typing import Any
from urllib.parse import quote

import httpx

from shared.errors import BurgError
from shared.observability import REQUEST_ID
from shared.settings import Settings

Json = dict[str, Any]
UNREACHABLE = "The site is having trouble right now. Try again soon."
THREAD_PAGE = 200  # comments on one page of an article


class ServiceError(BurgError):
    """A service answered with an error: its status, its own words, and for a 422 from
    validation the structured list of what was wrong (`loc`, `msg`, `type` each); the pages
    show sentences of their own instead (`sentences.py`)."""

    def __init__(self, status: int, detail: str, errors: list[Json] | None = None,
                 retry_after: int | None = None, answer: Json | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.errors = errors or []
        self.retry_after = retry_after  # seconds, from a 429's or 503's Retry-After
        self.answer = answer or {}  # the whole JSON answer (a 410's `retracted_at`, say)


class Apis:
    def __init__(self, settings: Settings) -> None:
        self.posts = f"{settings.posts_url.rstrip('/')}/api/posts"
        self.comments = f"{settings.comments_url.rstrip('/')}/api/comments"
        self.notify = f"{settings.notify_url.rstrip('/')}/notify"
        self.feeds = f"{settings.feeds_url.rstrip('/')}/feeds"
        self.search_api = f"{settings.search_url.rstrip('/')}/api/search/"
        self._http: httpx.AsyncClient | None = None

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            # An idle connection is dropped here before the API's uvicorn drops it (after 5 s):
            # with equal timeouts, a request could go out on a connection the server is
            # closing at that instant, and fail as a reset (a 502 page for the reader).
            self._http = httpx.AsyncClient(timeout=10, limits=httpx.Limits(keepalive_expiry=2),
                                           event_hooks={"request": [_pass_request_id]})
        return self._http

    async def get(self, url: str, params: dict[str, Any] | None = None) -> Json:
        """The JSON at `url` (ServiceError for an error, or an API that cannot be reached)."""
        return await self._get(url, params=params)

    async def article(self, slug: str, token: str | None, cursor: str | None,
                      before: str | None = None) -> tuple[Json, Json | None]:
        """The article and a page of its thread (the page after `cursor`, or before `before`,
        with the reader's own waiting comments); no thread if the comments service cannot be
        reached: the story is still worth reading."""
        article = await self._get(f"{self.posts}/articles/{segment(slug)}")
        thread: Json | None
        params = _page(cursor, THREAD_PAGE) | ({"before": before} if before else {})
        try:
            thread = await self._get(f"{self.comments}/articles/{int(article['id'])}/comments",
                                     params=params, headers=_token(token))
        except ServiceError as exc:
            if exc.status == 404:
                thread = unheard_of(article)
            elif exc.status < 500:
                raise
            else:
                thread = None
        return article, thread

    async def if_changed(self, url: str, etag: str | None, params: dict[str, Any] | None = None,
                         token: str | None = None) -> tuple[str | None, Json | None]:
        """A GET of `url` (as the commenter `token`) sent with If-None-Match `etag`: (its
        ETag, its JSON), or (`etag`, None) when the API says that copy is current (304)."""
        headers = _token(token) | ({"If-None-Match": etag} if etag else {})
        response = await self._request("GET", url, params=params, headers=headers)
        if response.status_code == 304 and etag:
            return etag, None
        return response.headers.get("ETag"), response.json()

    def article_url(self, slug: str) -> str:
        return f"{self.posts}/articles/{segment(slug)}"

    def thread_url(self, article_id: int) -> str:
        return f"{self.comments}/articles/{int(article_id)}/comments"

    async def place(self, comment_id: int, token: str | None) -> Json:
        """Where a comment is in its thread as the site pages it: its article's slug and the
        cursor of the page that holds it (ServiceError 404 if the thread does not show it)."""
        return await self._get(f"{self.comments}/comments/{int(comment_id)}/place",
                               params={"limit": THREAD_PAGE}, headers=_token(token))

    async def me(self, token: str | None) -> Json | None:
        """What the commenter knows of themselves, or None for a reader without a token (or
        when the comments service cannot say)."""
        if not token:
            return None
        try:
            response = await self.http.get(f"{self.comments}/commenters/me",
                                           headers=_token(token))
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    async def post_comment(self, article_id: int, fields: Json, token: str | None,
                           address: str) -> Json:
        """Post as the reader at `address` (forwarded, so that rate limits count them)."""
        headers = _token(token) | {"X-Forwarded-For": address}
        return await self.send("POST", f"{self.comments}/articles/{int(article_id)}/comments",
                                json=fields, headers=headers)

    async def recovery_code(self, token: str) -> str:
        """A new recovery code for the commenter holding `token` (the old one stops working)."""
        made = await self.send("POST", f"{self.comments}/commenters/me/recovery-code",
                                headers=_token(token))
        return str(made["recovery_code"])

    async def recover(self, code: str, address: str) -> Json:
        """Trade a recovery code, typed by the reader at `address` (forwarded: tries are
        counted per address), for the commenter's new token, new code and nics."""
        return await self.send("POST", f"{self.comments}/commenters/recover",
                                json={"recovery_code": code},
                                headers={"X-Forwarded-For": address})

    async def recovery_link(self, email: str, address: str) -> None:
        """Ask for recovery links to be e-mailed to `email`, for the reader at `address`
        (forwarded: asking is counted with the tries of codes)."""
        await self.send("POST", f"{self.comments}/commenters/recovery-link",
                        json={"email": email}, headers={"X-Forwarded-For": address})

    async def preview(self, body: bytes) -> httpx.Response:
        """The comments service's preview of a JSON `{"body": …}`, as it answered."""
        return await self.http.post(f"{self.comments}/preview", content=body,
                                    headers={"Content-Type": "application/json"})

    async def categories(self) -> list[Json]:
        result: list[Json] = await self.send("GET", f"{self.posts}/categories")  # type: ignore[assignment]
        return result

    async def editor(self, token: str | None) -> Json | None:
        """The editor a token belongs to, or None if it opens nothing."""
        try:
            response = await self.http.get(f"{self.posts}/editors/me", headers=bearer(token))
        except httpx.HTTPError as exc:
            raise ServiceError(503, UNREACHABLE) from exc
        return response.json() if response.status_code == 200 else None

    async def draft(self, token: str, article_id: int) -> Json:
        return await self._get(f"{self.posts}/articles/by-id/{int(article_id)}",
                               headers=bearer(token))

    async def create_article(self, token: str, fields: Json) -> Json:
        return await self.send("POST", f"{self.posts}/articles", json=_filled(fields),
                                headers=bearer(token))

    async def update_article(self, token: str, article_id: int, fields: Json) -> Json:
        return await self.send("PATCH", f"{self.posts}/articles/{int(article_id)}",
                                json=_filled(fields), headers=bearer(token))

    async def article_action(self, token: str, article_id: int, action: str) -> Json:
        url = f"{self.posts}/articles/{int(article_id)}/{segment(action)}"
        return await self.send("POST", url, headers=bearer(token))

    async def preview_article(self, token: str, body: str) -> str:
        result = await self.send("POST", f"{self.posts}/preview", json={"body": body},
                                  headers=bearer(token))
        return str(result["body_html"])

    async def moderate(self, token: str, comment_id: int, action: str) -> Json:
        url = f"{self.comments}/comments/{int(comment_id)}/{segment(action)}"
        return await self.send("POST", url, headers=bearer(token))

    async def held_back(self, token: str, article_id: int) -> list[Json]:
        """The article's hidden comments and those waiting for approval, for an editor; none
        when the comments service cannot say (it may not know a new editor yet): the page
        is still worth showing."""
        try:
            lists = await asyncio.gather(*(
                self._get(f"{self.comments}/moderation/{segment(which)}",
                          params={"article_id": article_id}, headers=bearer(token))
                for which in ("hidden", "waiting")))
        except ServiceError:
            return []
        return sorted((c for found in lists for c in found["data"]), key=lambda c: c["id"])

    async def check_token(self, purpose: str, token: str) -> None:
        """ServiceError unless `token` is a good e-mail link token for `purpose`."""
        await self.send("POST", f"{self.notify}/check",
                         json={"purpose": purpose, "token": token}, empty=True)

    async def subscription(self, purpose: str, token: str) -> Json:
        """Confirm or unsubscribe the address `token` names: the address as it now stands."""
        return await self.send("POST", f"{self.notify}/{segment(purpose)}", json={"token": token})

    async def feed_index(self) -> list[Json]:
        """Every feed the feeds service serves: its `path`, `title` and a URL per format."""
        index = await self._get(f"{self.feeds}/index.json")
        return [feed for feed in index.get("feeds", []) if isinstance(feed, dict)]

    async def search(self, q: str, order: str, page: int) -> Json:
        """A page of the articles and comments holding the words of `q` (the search API)."""
        return await self._get(self.search_api, params={"q": q, "order": order, "page": page})

    async def _get(self, url: str, **kwargs: Any) -> Json:
        return await self.send("GET", url, **kwargs)

    async def send(self, method: str, url: str, *, empty: bool = False, **kwargs: Any) -> Json:
        """Any call of an API: its JSON answer (`{}` when `empty`: a 204); ServiceError if it
        is an error or the API cannot be reached. The desk's pages call the APIs with it."""
        response = await self._request(method, url, **kwargs)
        if empty:
            return {}
        result: Json = response.json()
        return result

    async def _request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """The API's answer; ServiceError if it is an error or the API cannot be reached."""
        try:
            response = await self.http.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise ServiceError(503, UNREACHABLE) from exc
        if response.status_code >= 400:
            answer: Any = None
            try:
                answer = response.json()
                detail, errors = str(answer["detail"]), answer.get("errors")
            except (ValueError, KeyError, TypeError, AttributeError):
                detail, errors = "Something went wrong. Try again soon.", None
            wait = response.headers.get("Retry-After", "")
            raise ServiceError(response.status_code, detail,
                               errors if isinstance(errors, list) else None,
                               int(wait) if wait.isdigit() else None,
                               answer if isinstance(answer, dict) else None)
        return response


def unheard_of(article: Json) -> Json:
    """The empty thread of an article the comments service has not heard of yet (just
    published: it hears of it soon)."""
    return {"article_id": article["id"], "open": article["comments_open"],
            "closes_at": article["comments_close_at"], "count": 0,
            "next_cursor": None, "previous_cursor": None, "comments": []}


def segment(value: str) -> str:
    """A value as one path segment of an API's URL: `?`, `#`, `/`, `%` and controls quoted,
    so that a page's slug can never become another path or a query (nor an invalid URL)."""
    return quote(value, safe="")


def _page(cursor: str | None, limit: int) -> dict[str, Any]:
    return {"limit": limit} | ({"cursor": cursor} if cursor else {})


def bearer(token: str | None) -> dict[str, str]:
    """The editor's `Authorization` header (none for a token no header could carry)."""
    return {"Authorization": f"Bearer {token}"} if token and _sane(token) else {}


def _filled(fields: Json) -> Json:
    """The fields given: an empty one is left out (the API keeps or defaults it)."""
    return {k: v for k, v in fields.items() if v is not None}


def _token(token: str | None) -> dict[str, str]:
    return {"X-Commenter-Token": token} if token and _sane(token) else {}


def _sane(token: str) -> bool:
    """Whether a token from a cookie can be a token at all (URL-safe text of sane length): a
    hand-made cookie with controls or spaces must not become a header the client refuses."""
    return _TOKEN.fullmatch(token) is not None


_TOKEN = re.compile(r"[A-Za-z0-9._~+/=-]{1,500}")


async def _pass_request_id(request: httpx.Request) -> None:
    """The page's request id goes with each API call it makes, into the APIs' log lines and
    the events they emit."""
    if request_id := REQUEST_ID.get():
        request.headers["X-Request-ID"] = request_id
