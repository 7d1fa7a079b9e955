"""Change notices: once a render that stored documents anew has committed, the worker names
them on a Redis channel, and each API process stops serving its copy of them (serving.py).
A reader then gets the new document at once, where it would otherwise wait out the rest of
the copy's KEPT_FOR. A notice only shortens the wait: one lost (Redis away, an API process
that was not listening yet) costs at most KEPT_FOR, the bound that holds without notices."""

import asyncio
import logging
from collections.abc import Callable, Iterable

import redis
import redis.asyncio

log = logging.getLogger(__name__)

# Each message: the paths a commit stored anew, one a line. Channels are the server's, not a
# database's: the name carries the database, so that sites sharing a server hear their own.
CHANNEL = "burg:feeds:stored:{db}"
RECONNECT_AFTER = 1.0  # seconds a listener waits before subscribing again after an error


class Notices:
    """Announces stored documents (in a worker) and listens for them (in an API process)."""

    def __init__(self, redis_url: str) -> None:
        self.redis_url = redis_url
        db = redis.connection.parse_url(redis_url).get("db", 0)
        self.channel = CHANNEL.format(db=db)
        self._client: redis.Redis | None = None  # made on first use: an API never announces

    def announce(self, paths: Iterable[str]) -> None:
        """Name the documents a committed render stored anew (after its commit)."""
        message = "\n".join(dict.fromkeys(paths))
        if not message:
            return
        try:
            if self._client is None:
                self._client = redis.Redis.from_url(self.redis_url)
            self._client.publish(self.channel, message)
        except redis.RedisError as exc:  # readers get it within KEPT_FOR all the same
            log.warning("feeds: could not announce stored documents: %s", exc)

    async def listen(self, heard: Callable[[str], None]) -> None:
        """Call `heard(path)` for every document announced, for as long as the task runs,
        subscribing again after an error."""
        while True:
            try:
                client = redis.asyncio.Redis.from_url(self.redis_url)
                async with client, client.pubsub() as subscription:
                    await subscription.subscribe(self.channel)
                    async for message in subscription.listen():
                        if message["type"] == "message":
                            for path in message["data"].decode().split("\n"):
                                heard(path)
            except redis.RedisError as exc:
                log.warning("feeds: not hearing stored documents (%s), subscribing again", exc)
            await asyncio.sleep(RECONNECT_AFTER)
