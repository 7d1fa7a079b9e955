"""Change notices through a real Redis: what a worker announces after a render, an API
process's listener hears (each database on its own channel); a listener that lost Redis
subscribes again."""

import asyncio
from urllib.parse import urlsplit

from services.feeds.notices import Notices


async def hear(url: str, announce: list[tuple[Notices, list[str]]]) -> list[str]:
    """What a listener on `url` hears while each (notices, paths) of `announce` is sent."""
    heard: list[str] = []
    listening = asyncio.ensure_future(Notices(url).listen(heard.append))
    await asyncio.sleep(0.3)  # subscribed
    for notices, paths in announce:
        await asyncio.to_thread(notices.announce, paths)
    await asyncio.sleep(0.3)
    listening.cancel()
    return heard


def test_an_api_hears_what_a_worker_announces(redis_url: str) -> None:
    worker = Notices(redis_url)
    heard = asyncio.run(hear(redis_url, [(worker, ["site.rss", "site.atom", "site.rss"]),
                                         (worker, [])]))
    assert heard == ["site.rss", "site.atom"]


def test_another_database_is_not_heard(redis_url: str) -> None:
    other = urlsplit(redis_url)._replace(path="/14").geturl()
    heard = asyncio.run(hear(redis_url, [(Notices(other), ["site.rss"])]))
    assert heard == []


def test_an_announcement_without_redis_is_only_logged() -> None:
    Notices("redis://127.0.0.1:1/0").announce(["site.rss"])  # no exception: the commit stands
