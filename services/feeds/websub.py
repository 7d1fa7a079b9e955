"""WebSub (W3C): every feed names the configured hub, and the hub hears (a publish POST) when
a feed's bytes change, so that subscribers get the new entries at once instead of polling.
Off unless `BURG_FEEDS_WEBSUB_HUB` is set. A hub that is away costs only a log line: readers
still poll, and the next change pings again."""

import logging

import httpx

log = logging.getLogger(__name__)

CHANGED = "burg_feeds_changed"  # key in Session.info: URLs of documents stored anew


class Hub:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url, self.timeout = url, timeout

    def ping(self, topics: list[str]) -> None:
        """Tell the hub these feeds changed: one publish request per feed URL."""
        with httpx.Client(timeout=self.timeout) as client:
            for topic in dict.fromkeys(topics):
                try:
                    client.post(self.url, data={"hub.mode": "publish", "hub.url": topic}
                                ).raise_for_status()
                except httpx.HTTPError as exc:
                    log.warning("websub: the hub did not take %s: %s", topic, exc)
