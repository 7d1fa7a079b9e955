"""The outermost layer of every Burg app (`Observed`): each HTTP request's id, its count and
duration in the metrics (and its access log line), and the reads a service answers from bytes
in hand before the framework runs at all.

**Reads as bytes.** A thread page, a feed document and an article page are made when they
change, not when asked for. A service's `Reads` looks at a request (method, path, query,
headers) and gives the `Answer` in hand, or None: then the request goes through the app's
middleware and routes like any other, and they say in their own words what is wrong with it.
What the app's layers would add to an answer, the reader adds itself (the site's security
headers); this layer adds the request id, sends no body to a HEAD, and counts the answer under
the route that would have given it. Starlette's layers cost more than such an answer does.

**Counting.** Requests are tallied in the process (`TALLY`) and added to the Prometheus metrics
in batches: at once when this process is scraped, and otherwise at most FLUSH_EVERY seconds
after they were answered, so that a scrape of another process of the service lags by no more.
"""

import asyncio
import logging
import threading
import time
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

from prometheus_client import REGISTRY, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from shared.observability import REQUEST_ID, request_id_from

log = logging.getLogger(__name__)
FLUSH_EVERY = 1.0  # seconds: the longest a request waits in TALLY before the metrics count it


@dataclass(frozen=True, slots=True)
class Answer:
    """A response in hand, as it goes out (but for the request id)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    route: str  # the path of the route that would have answered, as the metrics label it


# A request's ASGI scope -> its answer from bytes in hand, or None (the app answers it).
Reads = Callable[[dict[str, Any]], Awaitable[Answer | None]]


class _Tally:
    """HTTP requests counted in this process, added to REQUESTS and LATENCY in batches.

    In multiprocess mode every `inc` and `observe` of prometheus_client takes a lock and writes
    a memory-mapped file, several microseconds each: as much as the rest of answering a feed
    from bytes. A request counted here costs a dict lookup. Thread-safe: scrapes flush from a
    worker thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # (service, method, route, status) -> [requests, their seconds, requests per bucket]
        self._pending: dict[tuple[str, str, str, int], list[Any]] = {}
        self._due = 0.0  # when the batch under way is flushed at the latest; 0: none is
        self._series: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}

    def count(self, key: tuple[str, str, str, int], took: float, now: float) -> None:
        """A request (`key`: service, method, route, status) answered in `took` seconds; `now`
        is time.perf_counter()."""
        with self._lock:
            row = self._pending.get(key)
            if row is None:
                row = self._pending[key] = [0, 0.0, [0] * len(BOUNDS)]
            row[0] += 1
            row[1] += took
            row[2][bisect_left(BOUNDS, took)] += 1  # the first bucket with took <= its bound
            due = self._due
            if not due:
                self._due = now + FLUSH_EVERY
        if not due:
            try:
                asyncio.get_running_loop().call_later(FLUSH_EVERY, self.flush)
            except RuntimeError:  # no loop: a later request past `due`, or a scrape, flushes
                pass
        elif now >= due:  # the timer's loop is gone (a test's), or late
            self.flush()

    def flush(self) -> None:
        """Add every request counted so far to the Prometheus metrics."""
        with self._lock:
            pending, self._pending, self._due = self._pending, {}, 0.0
        for key, (requests, seconds, buckets) in pending.items():
            series = self._series.get(key)
            if series is None:  # `labels()` is slow to repeat
                service, method, route, status = key
                series = self._series[key] = (
                    REQUESTS.labels(service, method, route, str(status)),
                    LATENCY.labels(service, method, route))
            series[0].inc(requests)
            # What `observe` does for each request, for all at once (Histogram has no call
            # for many; tests/shared/test_observed.py holds the two to the same samples).
            series[1]._sum.inc(seconds)
            for bucket, seen in zip(series[1]._buckets, buckets, strict=True):
                if seen:
                    bucket.inc(seen)


class _FlushFirst(Collector):
    """Registered ahead of the HTTP metrics: a read of REGISTRY sees every request counted."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        TALLY.flush()
        return iter(())


TALLY = _Tally()
REGISTRY.register(_FlushFirst())
REQUESTS = Counter("burg_http_requests_total", "HTTP requests answered",
                   ["service", "method", "route", "status"])
LATENCY = Histogram("burg_http_request_seconds", "Time to answer an HTTP request",
                    ["service", "method", "route"],
                    buckets=(.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
BOUNDS = (*LATENCY._upper_bounds,)  # the buckets' upper bounds, +Inf last


class Observed:
    """ASGI middleware, outermost: the request id (the caller's `X-Request-ID` if sane), the
    count, and `reads` answered before the inner `app` is asked."""

    def __init__(self, app: Any, service: str, access_log: bool,
                 reads: Reads | None = None) -> None:
        self.app, self.service, self.access_log, self.reads = app, service, access_log, reads
        self.log = logging.getLogger(f"burg.{service}.access")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        given = None
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        request_id = request_id_from(given)
        token = REQUEST_ID.set(request_id)
        status, route = 500, None
        try:
            answer = await self._read(scope) if self.reads is not None else None
            if answer is not None:
                status, route = answer.status, answer.route
                await send({"type": "http.response.start", "status": status, "headers": [
                    *answer.headers, (b"x-request-id", request_id.encode())]})
                await send({"type": "http.response.body",
                            "body": b"" if scope["method"] == "HEAD" else answer.body})
                return

            async def send_with_id(message: dict[str, Any]) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                    message["headers"] = [*message.get("headers", []),
                                          (b"x-request-id", request_id.encode())]
                await send(message)

            await self.app(scope, receive, send_with_id)
        finally:
            now = time.perf_counter()
            route = route or str(getattr(scope.get("route"), "path", "unmatched"))
            TALLY.count((self.service, scope["method"], route, status), now - started, now)
            if self.access_log:
                self.log.info("%s %s %d %.1f ms", scope["method"], route, status,
                              (now - started) * 1000)
            REQUEST_ID.reset(token)

    async def _read(self, scope: dict[str, Any]) -> Answer | None:
        try:
            return await self.reads(scope)  # type: ignore[misc]
        except Exception:  # the app answers it, and says what is wrong in its own words
            log.exception("%s %s: no answer from bytes", scope["method"], scope["path"])
            return None
