"""The read paths alone, each beside a bare ASGI app serving its bytes in the same run, with
the CPU each side spends per request: for work on the read paths on a busy machine, where the
rates are noisy and the CPU per request much less so.

One Burg: a thread page (50 of 200 comments), a category feed of 50 entries (200 and 304) and
the article page of the 200-comment article, each under `wrk -t2 -c16` (else httpx threads),
each followed at once by its bytes from `bench.ceiling_app:bare` under the same load. CPU:
user + system of the serving process tree (psutil), per successful request, in microseconds;
Burg's also of the other processes that worked meanwhile (Redis, the APIs a page calls).
Usage: python -m bench.reads [--seconds 5] [--clients 16] [--rounds 1]"""

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil

from bench import article_page, comments_throughput, feeds_throughput
from bench.alone import burg_alone
from bench.isso_baseline import Load, Target, hammer, load_tool
from devserver.launch import Launched

LIFTED = {"BURG_COMMENTS_RATE_PER_IP": "1000000", "BURG_COMMENTS_RATE_PER_COMMENTER": "1000000"}


def timed(load: Callable[[], Load], cpu: Callable[[], dict[str, float]]
          ) -> tuple[Load, dict[str, float]]:
    """A load's figures, and the microseconds of CPU per request of each kind of process."""
    before = cpu()
    done = load()
    after = cpu()
    return done, {name: (after[name] - before.get(name, 0.0)) / max(1, done.ok) * 1e6
                  for name in after}


def documents(burg: Launched, clients: int) -> dict[str, tuple[str, dict[str, str]]]:
    """Each read path's URL and request headers."""
    page = article_page.article_with_comments(burg, 200, clients)
    slug = page.rsplit("/", 1)[1]
    article = httpx.get(f"{burg.urls['posts']}/api/posts/articles/{slug}", timeout=30).json()
    thread = f"{comments_throughput.thread_url(burg, article['id'])}?limit=50"
    with feeds_throughput.editor(burg) as http:
        category = http.post("/categories", json={"name": f"Reads {time.time_ns()}"}
                             ).raise_for_status().json()["slug"]
        feeds_throughput.fill(http, category, 50, clients)
    feed = f"{burg.urls['feeds']}/feeds/categories/{category}.rss"
    feeds_throughput.wait_for_entries(feed, 50)
    comments_throughput.settle(burg)  # renders still under way would change the ETag
    # The plain form's ETag, as wrk asks (no Accept-Encoding; httpx would take the gzip one).
    plain = {"Accept-Encoding": "identity"}
    etag = httpx.get(feed, headers=plain, timeout=30).headers["etag"]
    if httpx.get(feed, headers=plain | {"If-None-Match": etag}, timeout=30).status_code != 304:
        raise RuntimeError(f"{feed} does not answer its own ETag with 304")
    return {"thread": (thread, {}), "feed 200": (feed, {}),
            "feed 304": (feed, {"If-None-Match": etag}), "article page": (page, {})}


def bare(answer: httpx.Response, headers: dict[str, str], folder: Path, *, seconds: float,
         clients: int) -> tuple[Load, float]:
    """`answer`'s bytes from the bare ASGI app (same ETag and type): its load and CPU µs."""
    document = folder / f"bare-{time.time_ns()}"
    document.write_bytes(answer.content)
    etag = headers.get("If-None-Match", '"bare"')
    env = dict(os.environ, BENCH_FEED=str(document), BENCH_ETAG=etag,
               BENCH_TYPE=answer.headers["content-type"])
    process, base = feeds_throughput.serve("bench.ceiling_app:bare", env)
    try:
        served = psutil.Process(process.pid)
        load, cpu = timed(lambda: hammer([Target("GET", f"{base}/x", headers)],
                                         seconds=seconds, clients=clients),
                          lambda: {"bare": sum(served.cpu_times()[:2])})
        return load, cpu["bare"]
    finally:
        process.terminate()
        process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1, help="each path this many times")
    args = parser.parse_args()
    print(f"read paths, {args.clients} connections, {args.seconds:g} s each, load:"
          f" {load_tool(args.clients)}; each Burg figure followed at once by the bare app's\n")
    print(f"  {'path':<13} {'Burg/s':>8} {'bare/s':>8} {'ratio':>6} {'Burg µs':>8}"
          f" {'bare µs':>8} {'load':>5}  Burg's other processes' CPU µs per request")
    with burg_alone(LIFTED) as (burg, folder):
        paths = documents(burg, args.clients)
        for _ in range(args.rounds):
            for name, (url, headers) in paths.items():
                measure(burg, name, url, headers, folder, args)


def measure(burg: Launched, name: str, url: str, headers: dict[str, str], folder: Path,
            args: argparse.Namespace) -> None:
    """One path on Burg, then its bytes on the bare app: a row of the table."""
    comments_throughput.settle(burg)
    load, cpu = timed(lambda: hammer([Target("GET", url, headers)], seconds=args.seconds,
                                     clients=args.clients),
                      lambda: comments_throughput.cpu_seconds(burg))
    ceiling, ceiling_cpu = bare(httpx.get(url, timeout=30), headers, folder,
                                seconds=args.seconds, clients=args.clients)
    served = "web-api" if name == "article page" else (
        "comments-api" if name == "thread" else "feeds-api")
    others = ", ".join(f"{kind} {spent:.0f}" for kind, spent in sorted(cpu.items())
                       if spent >= 1 and kind != served)
    print(f"  {name:<13} {load.rate:>8,.0f} {ceiling.rate:>8,.0f}"
          f" {load.rate / ceiling.rate:>6.0%} {cpu.get(served, 0):>8.0f}"
          f" {ceiling_cpu:>8.0f} {os.getloadavg()[0]:>5.1f}  {others}", flush=True)


if __name__ == "__main__":
    main()
