"""Feed GETs beside their ceilings, and the coalescing ratio.

A category feed with 50 entries is fetched by 16 connections (`wrk -t2 -c16`), as a full GET
(200) and as a revalidation (If-None-Match, 304), from Burg's feeds API and, in the same run,
from two apps that only return the same bytes: a bare ASGI callable and a one-route FastAPI
app, under the same uvicorn. Then 100 articles are published into a new category from 16
clients at once, and the number of times its feed was rendered is read from the feeds
database. Starts its own Burg in a temporary folder (on BURG_REDIS_URL if set, else an embedded
Redis).   Usage: python -m bench.feeds_throughput [--seconds 5]
"""

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.isso_baseline import Load, Target, hammer, load_tool
from devserver.launch import Launched, launch
from shared.embedded_redis import free_port


def editor(burg: Launched) -> httpx.Client:
    return httpx.Client(base_url=f"{burg.urls['posts']}/api/posts", timeout=60,
                        headers={"Authorization": f"Bearer {burg.create_editor('Bench')}"})


def fill(http: httpx.Client, slug: str, count: int, clients: int) -> None:
    def publish(n: int) -> None:
        draft = http.post("/articles", json={"title": f"Bench {n} {time.time_ns()}",
                                             "category": slug, "body": "Words " * 200})
        http.post(f"/articles/{draft.raise_for_status().json()['id']}/publish"
                  ).raise_for_status()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(publish, range(count)))


def wait_for_entries(url: str, count: int, newest: str | None = None) -> httpx.Response:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        response = httpx.get(url, timeout=30)
        if response.status_code == 200 and response.text.count("<item>") == count and (
                newest is None or newest in response.text):
            return response
        time.sleep(0.2)
    raise RuntimeError(f"{url} never held {count} entries")


def serve(app: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """`app` under uvicorn as the feeds API runs (one process, no access log)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log", "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url + "/", timeout=2)
            return process, url
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def measure(url: str, etag: str, seconds: float, clients: int) -> tuple[Load, Load]:
    full = hammer([Target("GET", url, {})], seconds=seconds, clients=clients)
    revalidate = hammer([Target("GET", url, {"If-None-Match": etag})], seconds=seconds,
                        clients=clients)
    return full, revalidate


def renders(folder: Path, path: str) -> int:
    with sqlite3.connect(folder / "feeds.db") as db:
        [(count,)] = db.execute("SELECT revision FROM feeddocument WHERE path = ?",
                                (path,)).fetchall()
    return int(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="burg-bench-") as folder:
        burg = launch(Path(folder), os.environ.get("BURG_REDIS_URL"), demo=False)
        try:
            with editor(burg) as http:
                slug = http.post("/categories", json={"name": "Bench"}).json()["slug"]
                fill(http, slug, 50, args.clients)
                url = f"{burg.urls['feeds']}/feeds/categories/{slug}.rss"
                document = wait_for_entries(url, 50)
                etag = document.headers["etag"]
                feed_file = Path(folder) / "feed.rss"
                feed_file.write_bytes(document.content)
                env = dict(os.environ, BENCH_FEED=str(feed_file), BENCH_ETAG=etag)
                results = {"Burg feeds API": measure(url, etag, args.seconds, args.clients)}
                for name, app in (("one FastAPI route", "bench.ceiling_app:framework"),
                                  ("bare ASGI", "bench.ceiling_app:bare")):
                    process, base = serve(app, env)
                    try:
                        results[name] = measure(f"{base}/feeds/x.rss", etag, args.seconds,
                                                args.clients)
                    finally:
                        process.terminate()
                        process.wait(timeout=10)
                burst = http.post("/categories", json={"name": "Burst"}).json()["slug"]
                fill(http, burst, 100, args.clients)
                wait_for_entries(f"{burg.urls['feeds']}/feeds/categories/{burst}.rss", 50)
                time.sleep(2)  # any round still under way
                rendered = renders(Path(folder), f"categories/{burst}.rss")
        finally:
            burg.stop()
    print(f"\nfeeds: a 50-entry category feed ({len(document.content):,} bytes), "
          f"{args.clients} connections, {args.seconds:g} s each, load: {load_tool(args.clients)}\n")
    burg_full, burg_304 = results["Burg feeds API"]
    rows = [("", "GET 200/s", "p50 / p95 ms", "GET 304/s", "p50 / p95 ms", "Burg/this 200",
             "Burg/this 304")]
    for name, (full, revalidate) in results.items():
        rows.append((name, f"{full.rate:,.0f}", f"{full.p50_ms:.1f} / {full.p95_ms:.1f}",
                     f"{revalidate.rate:,.0f}",
                     f"{revalidate.p50_ms:.1f} / {revalidate.p95_ms:.1f}",
                     f"{burg_full.rate / full.rate:.0%}", f"{burg_304.rate / revalidate.rate:.0%}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                               for i, cell in enumerate(row)))
    print(f"\n  100 articles published from {args.clients} clients at once: their category feed"
          f" was rendered {rendered} times (the first: the empty feed)")


if __name__ == "__main__":
    main()
