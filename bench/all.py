"""Every figure of issues 18 and 19 in one run: one Burg on this machine takes each path in
turn (comments, feeds, publish -> feed, reply -> SMTP, the article page, the front page), its
processes' memory sampled after each; then, with Burg stopped, Isso, the one-task comment
ceiling and a bare ASGI app serving the same bytes as each read path. One table, a JSON file
under bench/results/ and a PNG of latency percentiles beside it. Not part of the test suite.
Usage: python -m bench [--quick] [--soak SECONDS] [--seconds 5] [--clients 16]"""

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench import (
    article_page,
    chart,
    comments_throughput,
    feeds_throughput,
    front_page,
    publish_latency,
    reply_drain,
    reply_mail,
    report,
    site_pages,
)
from bench.isso_baseline import Target, load_tool, measure_isso
from bench.memory import Memory, census_growth, redis_census, soak
from devserver.launch import Launched, launch
from shared.embedded_redis import redis_url

FULL = {"big": 2000, "alone": 50, "crowd": 200, "replies": 25, "drain": 25, "comments": 200,
        "burst": 100}
QUICK = {"big": 300, "alone": 8, "crowd": 48, "replies": 3, "drain": 3, "comments": 200, "burst": 0}


def run_burg(folder: Path, args: argparse.Namespace, sizes: dict[str, int],
             results: dict[str, Any]) -> dict[str, tuple[bytes, str, str]]:
    """Burg's paths on one stack, into `results`; the bytes (with ETag and type) of each read
    path's document, for the bare ASGI ceilings."""
    seconds, clients = args.seconds, args.clients
    folder.mkdir()
    burg = launch(folder, os.environ.get("BURG_REDIS_URL"), demo=False, env=reply_mail.LIFTED)
    memory = Memory(burg.process.pid)
    figures: dict[str, dict[str, float]] = results["burg"]
    documents: dict[str, tuple[bytes, str, str]] = {}
    try:
        memory.sample("start")
        print("\n== comments", flush=True)
        threads: dict[str, int] = {}
        figures["comments"] = comments_throughput.measure_burg(
            burg, seconds=seconds, clients=clients, big=sizes["big"], articles=threads)
        thread = f"{comments_throughput.thread_url(burg, threads['200'])}?limit=50"
        documents["thread"] = (httpx.get(thread, timeout=30).content, '"thread"',
                               "application/json")
        memory.sample("comments")
        print("\n== feeds", flush=True)
        comments_throughput.settle(burg)
        figures["feeds"], feed, etag = feeds_throughput.run(
            burg, folder, seconds=seconds, clients=clients, burst=sizes["burst"])
        documents["feed"] = (feed, etag, "application/rss+xml; charset=utf-8")
        memory.sample("feeds")
        print("\n== publish -> feed", flush=True)
        comments_throughput.settle(burg)
        token = burg.create_editor("Bench")
        figures["publish_alone"] = publish_latency.measure(burg.urls, token, sizes["alone"],
                                                           clients=1, paced=True)
        figures["publish_16"] = publish_latency.measure(burg.urls, token, sizes["crowd"],
                                                        clients=clients, paced=False)
        memory.sample("publish")
        print("\n== reply -> SMTP", flush=True)
        comments_throughput.settle(burg)
        figures["reply"] = reply_drain.run_both(burg, folder, clients=clients,
                                                replies=sizes["replies"], drain=sizes["drain"])
        memory.sample("reply")
        print("\n== article page", flush=True)
        comments_throughput.settle(burg)
        figures["page"], page = article_page.run(burg, seconds=seconds, clients=clients,
                                                 comments=sizes["comments"])
        documents["page"] = (httpx.get(page, timeout=30).content, '"page"',
                             "text/html; charset=utf-8")
        memory.sample("page")
        print("\n== front page", flush=True)
        comments_throughput.settle(burg)
        figures["front"], front = front_page.run(burg, seconds=seconds, clients=clients)
        documents["front"] = (httpx.get(front, timeout=30).content, '"front"',
                              "text/html; charset=utf-8")
        memory.sample("front")
        print("\n== the reader's other pages", flush=True)
        figures["pages"] = site_pages.run(burg, seconds=seconds, clients=clients)
        if args.soak:
            print(f"\n== soak: {args.soak:g} s of mixed load", flush=True)
            comments_throughput.settle(burg)
            try:
                loads = soak_loads(burg, clients, page)
                broker = redis_url(burg.env.get("BURG_REDIS_URL"), burg.log.parent)
                before = redis_census(broker)
                results["soak"] = soak(memory, loads, seconds=args.soak,
                                       clients=max(2, clients // 4))
                memory.sample("soak")
                results["redis"] = {"before": before, "after": redis_census(broker)}
            except (RuntimeError, httpx.HTTPError) as error:  # the figures so far still count
                print(f"  the soak failed: {error}", flush=True)
        comments_throughput.settle(burg)
        memory.sample("end")
    finally:
        results["memory"] = {moment: rss for moment, rss in memory.moments}
        results["memory_table"] = memory.table()
        burg.stop()
    return documents


def soak_loads(burg: Launched, clients: int, page: str) -> list[list[Target]]:
    """A soak's loads, one per service: comment POSTs and thread GETs on a new article, its
    category's feed (200 and 304), and the article page of 200 comments."""
    token = burg.create_editor("Bench")
    posts = httpx.Client(base_url=f"{burg.urls['posts']}/api/posts", timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    with posts:
        slug = posts.post("/categories", json={"name": f"Soak {time.time_ns()}"}
                          ).raise_for_status().json()["slug"]
    article = comments_throughput.publish_article(burg, token, slug)
    commenters = comments_throughput.new_commenters(burg, article, max(2, clients // 4),
                                                    name=f"Soak {os.urandom(2).hex()}")
    thread = comments_throughput.thread_url(burg, article)
    feed = f"{burg.urls['feeds']}/feeds/categories/{slug}.rss"
    feeds_throughput.wait_for_entries(feed, 1)
    etag = httpx.get(feed, headers={"Accept-Encoding": "identity"},  # as the load asks
                     timeout=30).headers["etag"]
    return [[*commenters, Target("GET", f"{thread}?limit=50", {})],
            [Target("GET", feed, {}), Target("GET", feed, {"If-None-Match": etag})],
            [Target("GET", page, {})]]


def run_peers(folder: Path, args: argparse.Namespace, sizes: dict[str, int],
              documents: dict[str, tuple[bytes, str, str]], results: dict[str, Any]) -> None:
    """Isso, the one-task ceiling and the bare ASGI ceilings, with Burg stopped."""
    seconds, clients = args.seconds, args.clients
    if not args.no_isso:
        print("\n== Isso", flush=True)
        (folder / "isso").mkdir()
        try:
            results["isso"] = measure_isso(folder / "isso", seconds=seconds, clients=clients,
                                           big=sizes["big"])
        except RuntimeError as error:  # no index to install it from, say: the run goes on
            print(f"  Isso left out: {str(error)[-500:]}", flush=True)
    print("\n== one-task comment ceiling", flush=True)
    (folder / "ceiling").mkdir()
    results["ceiling"] = comments_throughput.measure_ceiling(folder / "ceiling",
                                                             seconds=seconds, clients=clients)
    print("\n== bare ASGI ceilings", flush=True)
    for name, (content, etag, kind) in documents.items():
        full, revalidate = feeds_throughput.ceiling(
            "bare", content, etag, folder, seconds=seconds, clients=clients,
            content_type=kind, revalidate=name == "feed")
        results["bare"][name] = (full.figures(f"{name}_200")
                                 | (revalidate.figures(f"{name}_304") if name == "feed" else {}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: small and short")
    parser.add_argument("--soak", type=float, default=0, metavar="SECONDS",
                        help="then this long a mixed load, comparing RSS first/last minute")
    parser.add_argument("--seconds", type=float, help="per load figure (5; quick: 2)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--no-isso", action="store_true")
    parser.add_argument("--out", type=Path, default=report.RESULTS)
    args = parser.parse_args()
    args.seconds = args.seconds or (2.0 if args.quick else 5.0)
    sizes = QUICK if args.quick else FULL
    started = time.monotonic()
    results: dict[str, Any] = {"burg": {}, "bare": {}, "meta": {
        "version": report.version(), "when": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "quick": args.quick, "seconds": args.seconds, "clients": args.clients,
        "load": load_tool(args.clients), "sizes": sizes, "cpus": os.cpu_count(),
        "load_average_before": list(os.getloadavg()), "python": sys.version.split()[0]}}
    with tempfile.TemporaryDirectory(prefix="burg-bench-") as folder:
        documents = run_burg(Path(folder) / "burg", args, sizes, results)
        run_peers(Path(folder), args, sizes, documents, results)
    results["meta"]["minutes"] = (time.monotonic() - started) / 60
    results["meta"]["load_average_after"] = list(os.getloadavg())
    results["rows"] = report.rows(results)
    path = report.save(results, args.out)
    picture = chart.draw(results, path.with_suffix(".png"))
    print(f"\n== Burg {results['meta']['version']}, {results['meta']['when']}, load:"
          f" {results['meta']['load']}, {args.seconds:g} s per figure, "
          f"{results['meta']['minutes']:.1f} minutes; load average before"
          f" {results['meta']['load_average_before'][0]:.1f}\n")
    print(report.show(results))
    print(f"\n  Resident memory of each Burg process (MB), at the start and after each path:\n"
          f"{report.table(results['memory_table'])}")
    for name, row in (results.get("soak") or {}).items():
        if name != "load":
            print(f"  soak: {name:<24} first {row['first_mb']:6.1f} MB, last"
                  f" {row['last_mb']:6.1f} MB, growth {row['growth_mb']:+6.1f} MB")
    if census := results.get("redis"):
        print("\n  What Redis held before and after the soak, the kinds of key that grew most:")
        print("\n".join(census_growth(census["before"], census["after"])))
    print(f"\n  figures: {path}\n  chart:   {picture}", flush=True)
