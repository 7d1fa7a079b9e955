"""CPU per request of each read path's app itself, driven in process: no server, no sockets,
so none of uvicorn's and the kernel's cost (the same for any app) and little of a busy
machine's noise. 16 callers at once on one event loop, the process's CPU time per request
(every thread: the feeds' re-reads, the web's checks), median of three rounds, each beside
`bench.ceiling_app:bare` serving the same bytes.

One Burg (devserver, on BURG_REDIS_URL's Redis, which the apps here must reach too) holds the
documents; the comments, feeds and web apps are built here on its settings, as uvicorn builds
them, with PROMETHEUS_MULTIPROC_DIR set as `make run` sets it.
Usage: BURG_REDIS_URL=redis://127.0.0.1:6379/13 python -m bench.reads_in_process [--requests N]
"""

import argparse
import asyncio
import importlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="burg-metrics-"))

# After the metrics folder: prometheus_client reads it on import.
import httpx

from bench import reads
from devserver.launch import launch

CALLERS = 16


def scope_of(url: str, headers: dict[str, str]) -> dict[str, Any]:
    """The ASGI scope uvicorn would make of a GET of `url` as wrk sends it."""
    parts = httpx.URL(url)
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1", "method": "GET", "scheme": "http", "path": parts.path,
            "raw_path": parts.raw_path.split(b"?")[0], "query_string": parts.query,
            "root_path": "", "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", parts.port or 80),
            "headers": [(b"host", b"127.0.0.1"), (b"user-agent", b"wrk"), (b"accept", b"*/*"),
                        *((k.lower().encode(), v.encode()) for k, v in headers.items())]}


async def drive(app: Any, scope: dict[str, Any], requests: int) -> tuple[float, dict[int, int]]:
    """CPU microseconds per request of `app` answering `scope`, and the statuses it sent."""
    statuses: dict[int, int] = {}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses[message["status"]] = statuses.get(message["status"], 0) + 1

    async def caller(count: int) -> None:
        for _ in range(count):
            await app(dict(scope, headers=list(scope["headers"])), receive, send)

    await asyncio.gather(*(caller(200 // CALLERS) for _ in range(CALLERS)))  # warm
    statuses.clear()
    started = time.process_time()
    await asyncio.gather(*(caller(requests // CALLERS) for _ in range(CALLERS)))
    return (time.process_time() - started) / requests * 1e6, statuses


async def rounds(apps: dict[str, Any], paths: dict[str, tuple[str, dict[str, str]]],
                 bodies: dict[str, bytes], folder: Path, requests: int) -> None:
    figures: dict[str, list[tuple[float, float]]] = {}
    for _ in range(3):
        for name, (url, headers) in paths.items():
            if "If-None-Match" in headers:  # the feed as it stands now (a render may follow)
                headers = {"If-None-Match": httpx.get(url, timeout=30, headers={
                    "Accept-Encoding": "identity"}).headers["etag"]}
            used, statuses = await drive(apps[name], scope_of(url, headers), requests)
            (folder / "bare").write_bytes(bodies[name])
            os.environ.update(BENCH_FEED=str(folder / "bare"),
                              BENCH_ETAG=headers.get("If-None-Match", '"bare"'))
            ceiling = importlib.reload(importlib.import_module("bench.ceiling_app"))
            bare, bare_statuses = await drive(ceiling.bare, scope_of(url, headers), requests)
            if statuses != bare_statuses:
                raise RuntimeError(f"{name}: Burg answered {statuses}, bare {bare_statuses}")
            figures.setdefault(name, []).append((used, bare))
    print(f"\nCPU per request in process ({CALLERS} callers, {requests:,} requests, median of"
          f" 3), load average {os.getloadavg()[0]:.1f}\n\n  {'path':<13} {'app µs':>8}"
          f" {'bare µs':>8}")
    for name, pairs in figures.items():
        print(f"  {name:<13} {statistics.median(p[0] for p in pairs):>8.1f}"
              f" {statistics.median(p[1] for p in pairs):>8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=8000)
    args = parser.parse_args()
    if not os.environ.get("BURG_REDIS_URL"):
        sys.exit("set BURG_REDIS_URL: the apps built here must reach Burg's Redis")
    with tempfile.TemporaryDirectory(prefix="burg-bench-") as folder:
        burg = launch(Path(folder), os.environ["BURG_REDIS_URL"], demo=False, env=reads.LIFTED)
        try:
            paths = reads.documents(burg, CALLERS)
            bodies = {name: httpx.get(url, timeout=30).content
                      for name, (url, _) in paths.items()}
            os.environ.update({k: v for k, v in burg.env.items() if k.startswith("BURG_")})
            comments, feeds, web = (importlib.import_module(f"services.{name}")
                                    for name in ("comments.api", "feeds.api", "web.app"))
            feeds_app = feeds.main()
            apps = {"thread": comments.main(), "feed 200": feeds_app, "feed 304": feeds_app,
                    "article page": web.create_app()}
            asyncio.run(rounds(apps, paths, bodies, Path(folder), args.requests))
        finally:
            burg.stop()


if __name__ == "__main__":
    main()
