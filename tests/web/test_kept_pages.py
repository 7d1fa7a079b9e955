"""KeptPages (kept_pages.py) on parts of the test's own, no APIs: a kept page's parts are
checked all at once, a later stage again where an earlier part changed; a page is rendered
only when a part changed; what is kept stays within its bytes however many keys readers ask
for; a page an API refuses is not kept."""

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest

from services.web.apis import ServiceError
from services.web.kept_pages import Got, KeptPages


class Source:
    """A part whose data the test sets; it records what each check was given."""

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value, self.seen = name, value, list[Any]()

    async def check(self, key: int, given: Mapping[str, Any], old: Got | None) -> Got:
        if key < 0:
            raise ServiceError(404, "no such page")
        self.seen.append(dict(given))
        value = (self.value, given.get("first") if self.name == "second" else None)
        return old if old is not None and old.data == value else Got(key, None, value)


def pages(first: Source, second: Source, **options: Any) -> KeptPages[int]:
    return KeptPages([[first], [second]], lambda key, data: repr((key, data)).encode(),
                     group=lambda key: key, fresh_for=0, **options)


def test_a_later_stage_is_checked_again_on_what_an_earlier_one_changed() -> None:
    first, second = Source("first", 1), Source("second", "a")
    kept = pages(first, second)

    async def run() -> None:
        page = await kept.page(1)
        assert b"'a'" in page.body and kept.renders == 1
        first.seen.clear(), second.seen.clear()
        assert (await kept.page(1)).etag == page.etag and kept.renders == 1
        assert len(first.seen) == len(second.seen) == 1  # once each, at once
        first.value = 2
        second.seen.clear()
        changed = await kept.page(1)
        assert kept.renders == 2 and changed.etag != page.etag
        # Checked on the old data, then again on the first part's new data.
        assert [seen["first"][0] for seen in second.seen] == [1, 2]
        assert changed.data("second") == ("a", (2, None))

    asyncio.run(run())


def test_what_is_kept_stays_within_its_bytes_and_refused_pages_are_not_kept() -> None:
    kept = pages(Source("first", 1), Source("second", "x" * 1000), max_bytes=50_000)

    async def run() -> None:
        for key in range(1000):
            await kept.page(key)
        assert 0 < kept.kept_bytes <= 50_000 and len(kept) < 50
        with pytest.raises(ServiceError):
            await kept.page(-99999)
        assert -99999 not in kept._kept

    asyncio.run(run())
