"""Result pages kept as bytes in the API process: a common word searched again costs a
dictionary look-up, not the index's work (mostly its snippets).

A page is kept per query as parsed, order and page number, with the index version it was
searched at (version.py); it is served while the version stands. A reader chooses the key,
and an attacker sends endless distinct queries: the pages are bounded in bytes and in number,
the least recently used going first. However current its version says it is, a page is
searched anew after `max_age` seconds: a raise of the version that was lost (Redis down just
after a commit) misleads the pages no longer than that."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from shared.http import strong_etag

Key = tuple[str, str, int]  # the query as parsed, order, page
ENTRY_BYTES = 512  # what a kept page costs besides its body and key (rounded up)


@dataclass(frozen=True)
class Kept:
    """A page of results as JSON bytes, with its strong ETag and the index version."""

    body: bytes
    etag: str
    version: int
    kept_at: float  # ResultPages.clock() when it was searched


class ResultPages:
    """The kept pages (shared by the API's threads)."""

    def __init__(self, *, max_bytes: int, max_pages: int, max_age: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_bytes, self.max_pages = max_bytes, max_pages
        self.max_age, self.clock = max_age, clock
        self._kept: OrderedDict[Key, Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._kept)

    @property
    def size(self) -> int:
        """What the kept pages cost, as counted against `max_bytes`."""
        return self._bytes

    def get(self, key: Key, version: int | None) -> Kept | None:
        """The page kept for `key` at `version`, if any (one of another version, or older
        than `max_age`, goes)."""
        if version is None:
            return None
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            if kept.version != version or self.clock() - kept.kept_at > self.max_age:
                self._drop(key)
                return None
            self._kept.move_to_end(key)
            return kept

    def keep(self, key: Key, version: int | None, body: bytes) -> Kept:
        """Keep `body` for `key` as searched at `version` (nothing kept without a version);
        the least recently used pages go while over either bound."""
        kept = Kept(body, strong_etag(body), -1 if version is None else version, self.clock())
        if version is None or _cost(key, kept) > self.max_bytes:
            return kept
        with self._lock:
            self._drop(key)
            self._kept[key] = kept
            self._bytes += _cost(key, kept)
            while self._bytes > self.max_bytes or len(self._kept) > self.max_pages:
                self._drop(next(iter(self._kept)))
        return kept

    def _drop(self, key: Key) -> None:
        if (old := self._kept.pop(key, None)) is not None:
            self._bytes -= _cost(key, old)


def _cost(key: Key, kept: Kept) -> int:
    return ENTRY_BYTES + len(kept.body) + len(key[0].encode())
