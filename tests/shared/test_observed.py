"""The outermost layer of every app (shared/observed.py): request ids, requests counted in a
tally that the metrics show as `observe` would have, and reads answered from bytes with the id,
no body to a HEAD, and the app still answering whatever a read leaves (or fails at)."""

import asyncio
import re
import time
import uuid
from typing import Any

import httpx
from prometheus_client import REGISTRY, CollectorRegistry, Histogram

from shared.observed import BOUNDS, LATENCY, REQUESTS, TALLY, Answer, Observed
from tests.conftest import wait_for

ROUTE = "/things/{id}"


def samples(service: str, route: str) -> dict[str, float]:
    """The latency histogram's samples of one series, by name and bucket."""
    found: dict[str, float] = {}
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.labels.get("service") == service and sample.labels.get("route") == route:
                found[sample.name + sample.labels.get("le", "")] = sample.value
    return found


def test_a_tally_shows_what_observe_would() -> None:
    service = f"tally-{uuid.uuid4().hex[:8]}"
    durations = [0.0, 0.0005, 0.001, 0.0010001, 0.0025, 0.3, 1.0, 9.99, 10.0, 10.5, 120.0]
    reference = Histogram("reference_seconds", "as observed one by one",
                          registry=CollectorRegistry(), buckets=BOUNDS)
    for took in durations:
        TALLY.count((service, "GET", ROUTE, 200), took, 0.0)
        reference.observe(took)
    ours = samples(service, ROUTE)  # a read of REGISTRY flushes the tally first
    theirs = {sample.name.replace("reference_seconds", "burg_http_request_seconds")
              + sample.labels.get("le", ""): sample.value
              for sample in next(iter(reference.collect())).samples
              if not sample.name.endswith("_created")}
    assert {k: v for k, v in ours.items() if not k.endswith("_created")
            and k.startswith("burg_http_request_seconds")} == theirs
    assert ours["burg_http_requests_total"] == len(durations)


def test_a_tally_is_flushed_within_its_interval_without_a_scrape() -> None:
    service = f"timer-{uuid.uuid4().hex[:8]}"
    counter = REQUESTS.labels(service, "GET", ROUTE, "200")

    async def count_and_wait() -> None:
        TALLY.flush()  # no batch under way: this request starts one, and its timer
        TALLY.count((service, "GET", ROUTE, 200), 0.001, time.perf_counter())
        # Read the counter itself, not REGISTRY (whose reads flush): the timer must.
        await asyncio.get_running_loop().run_in_executor(None, lambda: wait_for(
            lambda: counter._value.get() == 1, what="the timer's flush"))

    asyncio.run(count_and_wait())
    assert LATENCY.labels(service, "GET", ROUTE)._sum.get() == 0.001


async def the_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """What answers whatever the reads leave: its own body, and the route it matched."""
    scope["route"] = type("Route", (), {"path": "/app"})()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"from the app"})


async def reads(scope: dict[str, Any]) -> Answer | None:
    if scope["path"] == "/broken":
        raise RuntimeError("a read that fails")
    if scope["path"] != "/held":
        return None
    return Answer(200, [(b"content-length", b"4"), (b"etag", b'"h"')], b"held", ROUTE)


def client(service: str) -> httpx.Client:
    app = Observed(the_app, service, access_log=False, reads=reads)
    transport = httpx.ASGITransport(app=app)

    class Sync(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            async def answer() -> httpx.Response:
                response = await transport.handle_async_request(request)
                return httpx.Response(response.status_code, headers=response.headers,
                                      content=await response.aread())
            return asyncio.run(answer())

    return httpx.Client(transport=Sync(), base_url="http://test")


def counted(service: str, method: str, route: str, status: int = 200) -> float:
    return REGISTRY.get_sample_value("burg_http_requests_total", {
        "service": service, "method": method, "route": route, "status": str(status)}) or 0.0


def test_a_read_goes_out_with_the_request_id_and_is_counted_under_its_route() -> None:
    service = f"reads-{uuid.uuid4().hex[:8]}"
    http = client(service)
    held = http.get("/held", headers={"X-Request-ID": "mine-7"})
    assert held.content == b"held" and held.headers["etag"] == '"h"'
    assert held.headers["x-request-id"] == "mine-7"
    head = http.head("/held")
    assert head.content == b"" and head.headers["content-length"] == "4"
    new = {http.get("/held").headers["x-request-id"] for _ in range(3)}
    assert len(new) == 3 and all(re.fullmatch(r"[0-9a-f]{32}", rid) for rid in new)
    assert counted(service, "GET", ROUTE) == 4 and counted(service, "HEAD", ROUTE) == 1
    other = http.get("/other")
    assert other.content == b"from the app" and other.headers["x-request-id"]
    assert counted(service, "GET", "/app") == 1


def test_a_read_that_fails_is_answered_by_the_app() -> None:
    service = f"broken-{uuid.uuid4().hex[:8]}"
    answer = client(service).get("/broken", headers={"X-Request-ID": "bad id\tinjected"})
    assert answer.status_code == 200 and answer.content == b"from the app"
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
    assert counted(service, "GET", "/app") == 1
