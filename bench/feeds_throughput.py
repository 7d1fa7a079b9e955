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
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from bench.alone import burg_alone
from bench.isso_baseline import Load, Target, hammer, load_tool
from devserver.launch import Launched
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


def measure(url: str, etag: str, seconds: float, clients: int,
            revalidate_seconds: float | None = None) -> tuple[Load, Load]:
    """A full GET's load and a revalidation's (for `revalidate_seconds`, by default as long;
    when 0, none: the full GET's load stands for both)."""
    full = hammer([Target("GET", url, {})], seconds=seconds, clients=clients)
    if revalidate_seconds == 0:
        return full, full
    revalidate = hammer([Target("GET", url, {"If-None-Match": etag})],
                        seconds=revalidate_seconds or seconds, clients=clients)
    return full, revalidate


def renders(folder: Path, path: str) -> int:
    with sqlite3.connect(folder / "feeds.db") as db:
        [(count,)] = db.execute("SELECT revision FROM feeddocument WHERE path = ?",
                                (path,)).fetchall()
    return int(count)


def ceiling(app: str, content: bytes, etag: str, folder: Path, *, seconds: float,
            clients: int, content_type: str | None = None,
            revalidate: bool = True) -> tuple[Load, Load]:
    """`content` served by `app` (bench.ceiling_app's `bare` or `framework`) under uvicorn:
    the full GET's and the revalidation's loads (without `revalidate`, the full GET's load
    stands for both)."""
    document = folder / f"ceiling-{time.time_ns()}"
    document.write_bytes(content)
    env = dict(os.environ, BENCH_FEED=str(document), BENCH_ETAG=etag)
    if content_type:
        env["BENCH_TYPE"] = content_type
    process, base = serve(f"bench.ceiling_app:{app}", env)
    try:
        return measure(f"{base}/feeds/x.rss", etag, seconds, clients,
                       None if revalidate else 0)
    finally:
        process.terminate()
        process.wait(timeout=10)
        document.unlink()


def run(burg: Launched, folder: Path, *, seconds: float, clients: int,
        burst: int = 100) -> tuple[dict[str, float], bytes, str]:
    """Burg's feed figures on a running Burg whose data folder is `folder`: `feed_200_*` and
    `feed_304_*` (keyed as `hammer`'s), the feed's size and, after `burst` articles published
    at once into a new category, how often its feed was rendered. Also the feed's bytes and
    ETag, for the ceilings."""
    with editor(burg) as http:
        slug = http.post("/categories", json={"name": f"Bench feed {time.time_ns()}"}
                         ).raise_for_status().json()["slug"]
        fill(http, slug, 50, clients)
        url = f"{burg.urls['feeds']}/feeds/categories/{slug}.rss"
        wait_for_entries(url, 50)
        # The plain form, as the load asks for it (no Accept-Encoding): httpx's default asks
        # for gzip, whose ETag is another, so a revalidation with it was answered 200.
        document = httpx.get(url, headers={"Accept-Encoding": "identity"}, timeout=30)
        etag = document.headers["etag"]
        full, revalidate = measure(url, etag, seconds, clients)
        figures = full.figures("feed_200") | revalidate.figures("feed_304") | {
            "feed_bytes": float(len(document.content))}
        if burst:
            category = http.post("/categories", json={"name": f"Burst {time.time_ns()}"}
                                 ).raise_for_status().json()["slug"]
            fill(http, category, burst, clients)
            wait_for_entries(f"{burg.urls['feeds']}/feeds/categories/{category}.rss", 50)
            time.sleep(2)  # any round still under way
            figures["burst_articles"] = float(burst)
            figures["burst_renders"] = float(renders(folder, f"categories/{category}.rss"))
    return figures, document.content, etag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with burg_alone() as (burg, folder):
        burg_figures, content, etag = run(burg, folder, seconds=args.seconds,
                                          clients=args.clients)
        results = {name: ceiling(app, content, etag, folder, seconds=args.seconds,
                                 clients=args.clients)
                   for name, app in (("one FastAPI route", "framework"), ("bare ASGI", "bare"))}
    print(f"\nfeeds: a 50-entry category feed ({len(content):,} bytes), "
          f"{args.clients} connections, {args.seconds:g} s each, load: {load_tool(args.clients)}\n")
    burg_full, burg_304 = burg_figures["feed_200_per_s"], burg_figures["feed_304_per_s"]
    rows = [("", "GET 200/s", "p50 / p95 ms", "GET 304/s", "p50 / p95 ms", "Burg/this 200",
             "Burg/this 304"),
            ("Burg feeds API", f"{burg_full:,.0f}", f"{burg_figures['feed_200_p50_ms']:.1f} /"
             f" {burg_figures['feed_200_p95_ms']:.1f}", f"{burg_304:,.0f}",
             f"{burg_figures['feed_304_p50_ms']:.1f} / {burg_figures['feed_304_p95_ms']:.1f}",
             "100%", "100%")]
    for name, (full, revalidate) in results.items():
        rows.append((name, f"{full.rate:,.0f}", f"{full.p50_ms:.1f} / {full.p95_ms:.1f}",
                     f"{revalidate.rate:,.0f}",
                     f"{revalidate.p50_ms:.1f} / {revalidate.p95_ms:.1f}",
                     f"{burg_full / full.rate:.0%}", f"{burg_304 / revalidate.rate:.0%}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  " + "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
                               for i, cell in enumerate(row)))
    print(f"\n  100 articles published from {args.clients} clients at once: their category feed"
          f" was rendered {int(burg_figures['burst_renders'])} times (the first: the empty feed)")


if __name__ == "__main__":
    main()
