"""The reader's other pages beside the front page: a category's page, the archive's month, a
nic's page, the recent comments, a search for a word every article holds, and a comment's
permalink (a 302): pages per second and latency with 16 connections (`wrk -t2 -c16`, else
httpx threads), no cookies, each with the CPU each kind of Burg process spends per page
(psutil). Starts its own Burg and publishes the front page's articles (bench/front_page.py).
Usage: python -m bench.site_pages [--seconds 5] [--clients 16]
"""

import argparse
import functools
import time
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from bench import comments_throughput, front_page, reads
from bench.alone import burg_alone
from bench.isso_baseline import Target, hammer, load_tool
from devserver.launch import Launched

WORD = "governor"  # in every article of front_page.STORY


def addresses(burg: Launched) -> dict[str, str]:
    """Each page's URL on a Burg holding the front page's articles and comments, once the
    search service has indexed them."""
    site, api = burg.urls["site"], burg.urls
    category = httpx.get(f"{api['posts']}/api/posts/categories", timeout=30).json()[-1]["slug"]
    recent = httpx.get(f"{api['comments']}/api/comments/recent",
                       timeout=30).json()["comments"]
    now = datetime.now(UTC)
    search = f"{site}/search?q={WORD}"
    deadline = time.monotonic() + 60
    while "<mark>" not in httpx.get(search, timeout=30).text:
        if time.monotonic() > deadline:
            raise RuntimeError("the search service never indexed the articles")
        time.sleep(0.2)
    return {"category": f"{site}/categories/{category}",
            "archive month": f"{site}/archive/{now.year:04d}/{now.month:02d}/",
            "nic": f"{site}/nics/{quote(recent[0]['nic'], safe='')}",
            "recent": f"{site}/recent", "search": search,
            "permalink (302)": f"{site}/comments/{int(recent[0]['id'])}"}


def run(burg: Launched, *, seconds: float, clients: int) -> dict[str, float]:
    """Each page's figures (`<name>_*` keyed as `hammer`'s, and `<name>_cpu_us`: CPU µs per
    page of all Burg's processes, names with `_` for spaces) on a Burg that has the front
    page's articles. Prints them too."""
    figures: dict[str, float] = {}
    print(f"\nthe reader's pages, {clients} connections, {seconds:g} s each, load: "
          f"{load_tool(clients)}\n")
    print(f"  {'page':<18}{'pages/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'failed':>8}"
          f"{'CPU µs/page':>13}")
    for name, url in addresses(burg).items():
        comments_throughput.settle(burg)
        load, cpu = reads.timed(functools.partial(hammer, [Target("GET", url, {})],
                                                  seconds=seconds, clients=clients),
                                lambda: comments_throughput.cpu_seconds(burg))
        key = name.split(" (")[0].replace(" ", "_")
        figures |= load.figures(key) | {f"{key}_cpu_us": sum(cpu.values())}
        print(f"  {name:<18}{load.rate:>10,.1f}{load.p50_ms:>9.1f}{load.p95_ms:>9.1f}"
              f"{load.failed:>8}{sum(cpu.values()):>13,.0f}", flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with burg_alone(reads.LIFTED) as (burg, _):
        front_page.front_with_articles(burg, front_page.ARTICLES)
        run(burg, seconds=args.seconds, clients=args.clients)


if __name__ == "__main__":
    main()
