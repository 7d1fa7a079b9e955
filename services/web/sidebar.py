"""The sidebar every page carries: the newest comments across the site (nic, article, a link
to the comment), kept by this process as one rendered fragment.

It is kept the way article pages are (article_pages.py): checked against the comments API at
most once per `fresh_for` seconds (a conditional GET of `/recent`, a cheap 304 when nothing
changed, itself answered from bytes there), and sooner after the site itself changed a
comment (`changed`). A page therefore costs the sidebar no API call and no database query:
only a look at the clock. Checks never overlap; requests arriving during one wait for the
next. If the comments service cannot be reached, pages keep the fragment they had.

Article pages are kept as bytes rendered with `MARKER` where the sidebar goes, and the
current fragment is put in its place when the page is served (`ArticlePages`), so a new
comment elsewhere does not re-render every article page.
"""

import asyncio
import logging
import time
from collections.abc import Callable

from services.web.apis import Apis, Json, ServiceError

log = logging.getLogger(__name__)
MARKER = "<!--burg:sidebar-->"
NEVER = -float("inf")
SIDEBAR_SIZE = 10  # comments in the sidebar


class Sidebar:
    """The current sidebar fragment of this process (`html`; `version` rises as it changes)."""

    def __init__(self, apis: Apis, render: Callable[[Json], str], *, fresh_for: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.apis, self.render, self.fresh_for, self.clock = apis, render, fresh_for, clock
        self.html = ""  # nothing until the comments service first answered
        self.version = 0
        self.checks = 0  # calls made to the comments API (tests read it)
        self._etag: str | None = None
        self._checked_at = NEVER  # when the last check that found `html` current began
        self._changed_at = NEVER
        self._waiting: list[asyncio.Future[None]] = []
        self._task: asyncio.Task[None] | None = None

    def fresh(self) -> bool:
        """Whether `html` stands as the API did at most `fresh_for` seconds ago."""
        return (self.clock() - self._checked_at <= self.fresh_for
                and self._checked_at > self._changed_at)

    async def current(self) -> str:
        """The fragment as the comments API stood at most `fresh_for` seconds ago (or the one
        held, if the API cannot say)."""
        if self.fresh():
            return self.html
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append(waiter)  # a check under way may predate us: we take the next
        if self._task is None:
            self._task = asyncio.create_task(self._fly())
        await waiter
        return self.html

    def changed(self) -> None:
        """The site changed a comment: the sidebar is current again only after a check that
        begins now or later."""
        self._changed_at = self.clock()

    async def _fly(self) -> None:
        try:
            while self._waiting:
                waiters, self._waiting = self._waiting, []
                await self._check()
                for waiter in waiters:
                    if not waiter.done():
                        waiter.set_result(None)
        finally:
            self._task = None
            for waiter in self._waiting:  # cancelled: they go on with what is held
                if not waiter.done():
                    waiter.set_result(None)
            self._waiting = []

    async def _check(self) -> None:
        started = self.clock()
        self.checks += 1
        try:
            etag, recent = await self.apis.if_changed(
                f"{self.apis.comments}/recent", self._etag, {"limit": SIDEBAR_SIZE})
        except (ServiceError, ValueError) as exc:
            log.warning("sidebar: the newest comments could not be read: %s", exc)
        else:
            if recent is not None:
                self.html, self._etag = self.render(recent), etag
                self.version += 1
        self._checked_at = started
