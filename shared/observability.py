"""What operators watch: Prometheus metrics, a request id in every log line, JSON logs.

**Request ids.** Every API request gets an id (the caller's `X-Request-ID` if it sends a sane
one, else a new one), sent back in `X-Request-ID`, written in each log line of the request,
carried in the envelope of every event the request causes, and set again in the worker that
handles the event, so one id follows a comment from the API to the e-mail it causes.

**Metrics.** Counters and histograms live in `prometheus_client`. The processes of one service
on one machine (API processes, worker pool children) add theirs up through files in
`PROMETHEUS_MULTIPROC_DIR` when it is set (`make run` and the container image set it); an API's
`/metrics` reads them all, plus what is true at scrape time: the outbox backlog and the length
of every service's queue in Redis. HTTP requests are counted by `shared/observed.py`.

**Logs.** `BURG_LOG_FORMAT=json` writes one JSON object per line (time, level, logger, message,
service, request id); the default is text for people reading a terminal.
"""

import itertools
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextvars import ContextVar

import redis
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from shared.events import SERVICES

REQUEST_ID: ContextVar[str | None] = ContextVar("burg_request_id", default=None)
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

EVENTS = Counter("burg_events_total",
                 "Events published by a service's outbox, or consumed, skipped (a copy, or no "
                 "handler) or failed for good in its worker",
                 ["service", "type", "outcome"])


# --- request ids and logs -----------------------------------------------------------------

# A new request id: this process's random half and a count (32 hex digits, as a UUID's), at a
# tenth of uuid4's cost. A forked child draws a random half of its own.
_ids: tuple[str, Iterator[int]] = ("", itertools.count())


def _new_ids() -> None:
    global _ids
    _ids = (os.urandom(8).hex(), itertools.count())


_new_ids()
os.register_at_fork(after_in_child=_new_ids)


def request_id_from(header: str | None) -> str:
    """The caller's request id if it is sane, else a new one."""
    if header and _SANE_ID.fullmatch(header):
        return header
    half, count = _ids
    return f"{half}{next(count):016x}"


class _WithRequestId(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        record.service = self.service
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
                "level": record.levelname, "logger": record.name,
                "message": record.getMessage(), "service": getattr(record, "service", None),
                "request_id": getattr(record, "request_id", "-")}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(service: str, level: str, fmt: str) -> None:
    """Log to stderr as text or JSON, each line with the service and the request id."""
    handler = logging.StreamHandler()
    handler.addFilter(_WithRequestId(service))
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


class _NowCollector(Collector):
    """What is true at scrape time: the outbox backlog and the queue lengths."""

    def __init__(self, service: str, backlog: Callable[[], int], broker_url: str) -> None:
        self.service, self.backlog = service, backlog
        self.redis = redis.Redis.from_url(broker_url, socket_connect_timeout=1,
                                          socket_timeout=1)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily("burg_outbox_backlog", "Events not yet sent", labels=[
            "service"])
        try:
            backlog.add_metric([self.service], self.backlog())
        except Exception as exc:  # the database is down: /readyz says so; the scrape goes on
            logging.getLogger(__name__).warning("metrics: no outbox backlog: %s", exc)
        yield backlog
        queues = GaugeMetricFamily("burg_queue_length", "Tasks waiting in a service's queue",
                                   labels=["queue"])
        try:
            with self.redis.pipeline(transaction=False) as pipe:
                for queue in SERVICES:
                    pipe.llen(queue)
                lengths = pipe.execute()
            for queue, length in zip(SERVICES, lengths, strict=True):
                queues.add_metric([queue], length)
        except redis.RedisError as exc:
            logging.getLogger(__name__).warning("metrics: no queue lengths: %s", exc)
        yield queues


def serve_metrics(port: int) -> None:
    """In a worker's main process: every pool child's metrics on `port`, for Prometheus."""
    registry: CollectorRegistry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    start_http_server(port, registry=registry)


def metrics_page(service: str, backlog: Callable[[], int], broker_url: str
                 ) -> Callable[[], tuple[bytes, str]]:
    """What `/metrics` answers: every process's metrics of this service, and the gauges."""
    counted: CollectorRegistry = REGISTRY  # this process's own counters
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    now = CollectorRegistry()
    now.register(_NowCollector(service, backlog, broker_url))

    return lambda: (generate_latest(counted) + generate_latest(now), CONTENT_TYPE_LATEST)
