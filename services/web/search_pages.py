"""Rendered /search pages kept as bytes: a search page is the same for every reader (nothing
personal is on it), so it is rendered once per change of its results.

A kept page is served without asking for `fresh_for` seconds (BURG_WEB_PAGE_FRESH_SECONDS);
then the search API is asked with the ETag of the results it was rendered from, a cheap 304
(the API keeps its pages too) when they stand. A reader chooses the key: the pages are
bounded in bytes, the least recently used going first."""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from shared.http import strong_etag

Key = tuple[str, str, int, int]  # q, order, page, the sidebar's version
ENTRY_BYTES = 512  # what a kept page costs besides its body and query (rounded up)


@dataclass(frozen=True)
class KeptSearch:
    """A rendered page, its ETag, and the ETag of the API's results it shows."""

    body: bytes
    etag: str
    api_etag: str
    checked_at: float  # SearchPages.clock() when the API last said the results stand


class SearchPages:
    """This process's rendered search pages."""

    def __init__(self, *, fresh_for: float, max_bytes: int = 16 * 2**20,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.fresh_for, self.max_bytes, self.clock = fresh_for, max_bytes, clock
        self.renders = 0  # how many times a page was rendered (tests read it)
        self._kept: OrderedDict[Key, KeptSearch] = OrderedDict()
        self._bytes = 0

    @property
    def size(self) -> int:
        """What the kept pages cost, as counted against `max_bytes`."""
        return self._bytes

    def fresh(self, key: Key) -> KeptSearch | None:
        """The page for `key` if checked within `fresh_for` seconds."""
        kept = self._kept.get(key)
        if kept is not None and self.clock() - kept.checked_at <= self.fresh_for:
            self._kept.move_to_end(key)
            return kept
        return None

    def stale(self, key: Key) -> KeptSearch | None:
        """The page for `key`, however long ago it was checked (its API ETag to ask with)."""
        return self._kept.get(key)

    def checked(self, key: Key, kept: KeptSearch, started: float) -> KeptSearch:
        """The API said `kept`'s results stand, as of `started`."""
        current = KeptSearch(kept.body, kept.etag, kept.api_etag, started)
        self._keep(key, current)
        return current

    def rendered(self, key: Key, body: bytes, api_etag: str | None,
                 started: float) -> KeptSearch:
        """A page rendered from the API's results of ETag `api_etag` (kept if it has one)."""
        self.renders += 1
        kept = KeptSearch(body, strong_etag(body), api_etag or "", started)
        if api_etag:
            self._keep(key, kept)
        return kept

    def _keep(self, key: Key, kept: KeptSearch) -> None:
        if (old := self._kept.pop(key, None)) is not None:
            self._bytes -= _cost(key, old)
        self._kept[key] = kept
        self._bytes += _cost(key, kept)
        while self._bytes > self.max_bytes and self._kept:
            gone_key, gone = self._kept.popitem(last=False)
            self._bytes -= _cost(gone_key, gone)


def _cost(key: Key, kept: KeptSearch) -> int:
    return ENTRY_BYTES + len(kept.body) + len(key[0].encode())
