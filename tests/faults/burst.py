"""The load every case runs under: replies to the site's subscribed comments (each one an
event for feeds and notify, and an e-mail) and top-level comments (an event for feeds), in
random order, posted over HTTP by a few threads, as fast as they go or spread over a time."""

import queue
import random
import threading
import time
from collections import Counter

import httpx

from tests.comments.helpers import nic
from tests.faults.site import Site

GIVE_UP = 120.0  # seconds one comment is tried again (503, or the API broke off) at most


class Burst:
    """`replies` replies and `comments` comments, posted by `threads` threads; with `seconds`,
    spread evenly over that time."""

    def __init__(self, site: Site, rng: random.Random, *, replies: int = 50,
                 comments: int = 50, seconds: float = 0.0, threads: int = 4) -> None:
        self.site, self.seconds, self.threads = site, seconds, threads
        parents: list[int | None] = [site.parents[n % len(site.parents)]
                                     for n in range(replies)]
        plan = parents + [None] * comments
        rng.shuffle(plan)
        self.plan = plan
        self.statuses: Counter[int] = Counter()  # every answer's status; 0: broke off
        self.created: list[int] = []  # the ids of comments answered with 201
        self.on_created: list[threading.Event] = []  # set, and dropped, at the next 201
        self.finished = threading.Event()
        self._lock = threading.Lock()
        self._work: queue.SimpleQueue[tuple[float, int | None] | None] = queue.SimpleQueue()
        self._pool: list[threading.Thread] = []

    def start(self) -> "Burst":
        self.started = time.monotonic()
        step = self.seconds / max(1, len(self.plan))
        for n, parent in enumerate(self.plan):
            self._work.put((self.started + n * step, parent))
        for _ in range(self.threads):
            self._work.put(None)
            thread = threading.Thread(target=self._post_all, daemon=True)
            thread.start()
            self._pool.append(thread)
        threading.Thread(target=self._finish, daemon=True).start()
        return self

    def join(self) -> None:
        self.finished.wait()

    @property
    def errors(self) -> int:
        """5xx answers other than 503 (which, with Retry-After, is a fair answer)."""
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)

    def _finish(self) -> None:
        for thread in self._pool:
            thread.join()
        self.finished.set()

    def _post_all(self) -> None:
        with self.site.stack.client("comments") as client:
            while (item := self._work.get()) is not None:
                when, parent = item
                time.sleep(max(0.0, when - time.monotonic()))
                self._post(client, parent)

    def _post(self, client: httpx.Client, parent: int | None) -> None:
        body = {"nic": nic(), "body": "A reply." if parent else "A comment."}
        if parent:
            body["parent_id"] = parent  # type: ignore[assignment]
        deadline = time.monotonic() + GIVE_UP
        while time.monotonic() < deadline:
            try:
                response = client.post(f"/articles/{self.site.article}/comments", json=body)
                status = response.status_code
            except httpx.TransportError:
                status = 0
            with self._lock:
                self.statuses[status] += 1
                if status == 201:
                    self.created.append(int(response.json()["comment"]["id"]))
                    waiting, self.on_created = self.on_created, []
                    for event in waiting:
                        event.set()
            if status not in (0, 503) and status < 500:
                return
            time.sleep(0.5)  # a client told to come back (or cut off) comes back

    def next_created(self) -> threading.Event:
        """An event set right after the next 201."""
        event = threading.Event()
        with self._lock:
            self.on_created.append(event)
        return event
