"""How an API process reads thread versions (services/comments/pages.py): the calls waiting
share one MGET whatever their threads, yet none takes a version read before it was asked
for (read-your-writes: a bump that returned before a read began is always seen)."""

import asyncio
import uuid
from typing import Any

import pytest

from services.comments.pages import ThreadPages


def pages_counting_reads(redis_url: str, monkeypatch: pytest.MonkeyPatch
                         ) -> tuple[ThreadPages, list[list[int]]]:
    """New pages, and the article ids of each read of Redis they make."""
    pages = ThreadPages(redis_url, prefix=f"test:versions:{uuid.uuid4().hex}")
    reads: list[list[int]] = []
    original = pages._read

    async def read(article_ids: list[int]) -> Any:
        reads.append(sorted(article_ids))
        return await original(article_ids)

    monkeypatch.setattr(pages, "_read", read)
    return pages, reads


def test_calls_about_several_threads_share_one_read(redis_url: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    pages, reads = pages_counting_reads(redis_url, monkeypatch)
    pages.bump({1})
    pages.bump({1, 2})

    async def ask() -> list[int | None]:
        return await asyncio.gather(*(pages._version(article) for article in (1, 2, 3, 1)))

    # Bumps raise the site-wide lists' version (0) too; a thread never bumped is at 0.
    assert asyncio.run(ask()) == [2, 1, 0, 2]
    assert reads == [[1, 2, 3]]


def test_a_call_made_during_a_read_waits_for_the_next_and_sees_a_bump_before_it(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = ThreadPages(redis_url, prefix=f"test:versions:{uuid.uuid4().hex}")
    original = pages._read
    answered = asyncio.Event()

    async def slow_answer(article_ids: list[int]) -> Any:
        versions = await original(article_ids)
        answered.set()
        await asyncio.sleep(0.05)  # the answer is on its way back; a comment commits
        return versions

    monkeypatch.setattr(pages, "_read", slow_answer)

    async def race() -> tuple[int | None, int | None]:
        first = asyncio.create_task(pages._version(7))
        await answered.wait()  # Redis has answered the first read: version 0
        pages.bump({7})  # a comment's commit, returned to its writer
        second = await pages._version(7)
        return await first, second

    assert asyncio.run(race()) == (0, 1)


def test_without_redis_every_call_gets_no_version() -> None:
    pages = ThreadPages("redis://127.0.0.1:1/0", prefix=f"test:versions:{uuid.uuid4().hex}")

    async def ask() -> list[int | None]:
        return [*await asyncio.gather(pages._version(5), pages._version(6))]

    assert asyncio.run(ask()) == [None, None]  # their pages are then neither served nor kept
