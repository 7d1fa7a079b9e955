"""WebSub (W3C): every feed names the configured hub, and the hub hears (a publish POST) when
a feed's bytes change, so that subscribers get the new entries at once instead of polling.
Off unless `BURG_FEEDS_WEBSUB_HUB` is set.

A hub fetches the feed as soon as it is pinged, so the ping waits until every API process
serves the new bytes (the freshness bound, serving.KEPT_FOR, after the commit). Pings are
tasks on a queue of their own, `feeds-websub`, sent after the render commits and posted by a
worker with a pool of threads: a slow, hanging or absent hub holds up neither a render nor
another ping. A ping that fails is retried with a doubling delay, then given up with a log
line (readers still poll, and the next change pings again)."""

import logging
from collections.abc import Iterable

import httpx
from celery import Celery, Task
from kombu import Exchange, Queue

from services.feeds.serving import KEPT_FOR

log = logging.getLogger(__name__)

TASK = "feeds.ping_hub"
QUEUE = "feeds-websub"
# After the commit: the freshness bound, and a second for the clock of the worker that holds
# the task (it may be another machine's) against the clock of the one that sent it.
PING_AFTER = KEPT_FOR + 1.0
FIRST_RETRY = 2.0  # seconds; doubled at every attempt
RETRIES = 8  # about 8.5 minutes of attempts in all


class Pings:
    """Sends a hub's publish pings off the render path, with retries."""

    def __init__(self, *, celery: Celery, hub: str, timeout: float,
                 retry_ceiling: float) -> None:
        self.celery, self.hub, self.timeout = celery, hub, timeout
        self.retry_ceiling = retry_ceiling  # below the broker's visibility timeout
        celery.conf.task_queues = [*celery.conf.task_queues,
                                   Queue(QUEUE, Exchange(QUEUE), routing_key=QUEUE)]

        @celery.task(name=TASK, bind=True, acks_late=True, ignore_result=True)
        def ping_hub(task: Task, topic: str) -> None:
            """Tell the hub that the feed at `topic` changed; retried on failure."""
            self._attempt(task, topic)

    def schedule(self, topics: Iterable[str]) -> None:
        """Queue one ping per changed feed URL, due PING_AFTER seconds from now. Called once
        the render has committed."""
        for topic in dict.fromkeys(topics):
            self.celery.send_task(TASK, args=[topic], queue=QUEUE, countdown=PING_AFTER)

    def _attempt(self, task: Task, topic: str) -> None:
        if not self.hub:  # queued before the hub was unset: nobody to tell
            log.info("websub: no hub any more, %s not pinged", topic)
            return
        try:
            self.ping(topic)
        except httpx.HTTPError as exc:
            status = exc.response.status_code if isinstance(exc, httpx.HTTPStatusError) else 0
            attempt = task.request.retries
            if (400 <= status < 500 and status != 429) or attempt >= RETRIES:
                log.warning("websub: the hub did not take %s, given up: %s", topic, exc)
                return
            log.info("websub: the hub did not take %s (%s), retrying", topic, exc)
            raise task.retry(countdown=min(self.retry_ceiling, FIRST_RETRY * 2 ** attempt),
                             max_retries=RETRIES) from exc

    def ping(self, topic: str) -> None:
        """One publish request (`hub.mode=publish`, `hub.url=<topic>`); raises on failure."""
        httpx.post(self.hub, data={"hub.mode": "publish", "hub.url": topic},
                   timeout=self.timeout).raise_for_status()
