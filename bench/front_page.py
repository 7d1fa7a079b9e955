"""The web frontend's front page with 20 whole articles (each with its quoted story, the
editor's commentary and its comment count): pages per second and latency with 16 connections
(`wrk -t2 -c16`, else httpx threads), as a reader's browser asks for it (no cookies), and the
CPU each kind of Burg process spends per page (psutil): the figure to trust on a shared
machine. Starts its own Burg in a temporary folder (on BURG_REDIS_URL if set, else an embedded
Redis).   Usage: python -m bench.front_page [--seconds 5] [--clients 16]
"""

import argparse
import time

import httpx

from bench import comments_throughput, reads
from bench.alone import burg_alone
from bench.isso_baseline import Target, hammer, load_tool
from devserver.launch import Launched

ARTICLES = 20  # the front page's
STORY = ("[quote]{n}. The provincial governor said on Tuesday that the road through the "
         "valley would reopen after three weeks of fighting, and that the markets of the "
         "district were open again. Elders of the villages met the commanders twice.[/quote]"
         "\n\n[ed]We have heard that one before, at least twice this year.[/ed]\n\n")


def front_with_articles(burg: Launched, articles: int) -> str:
    """The site's front page URL, once `articles` whole articles (a few paragraphs each, in
    four categories) are published and a few carry comments."""
    token = burg.create_editor("Bench")
    posts = httpx.Client(base_url=f"{burg.urls['posts']}/api/posts", timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    with posts:
        slugs = [posts.post("/categories", json={"name": f"Front {n} {time.time_ns()}"}
                            ).raise_for_status().json()["slug"] for n in range(4)]

        def publish(n: int) -> int:
            draft = posts.post("/articles", json={
                "title": f"Story {n} of the day", "category": slugs[n % len(slugs)],
                "source_name": "The Courier", "source_url": "https://example.org/story",
                "body": "".join(STORY.format(n=p) for p in range(1, 5))}
                              ).raise_for_status().json()
            published = posts.post(f"/articles/{draft['id']}/publish").raise_for_status()
            return int(published.json()["id"])

        ids = [publish(n) for n in range(articles)]
    for article in ids[:5]:  # a few threads with comments: counts on the page
        thread = comments_throughput.thread_url(burg, article)
        deadline = time.monotonic() + 60
        while httpx.get(thread, timeout=30).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the comments service never learnt of the article")
            time.sleep(0.1)
        for n in range(3):  # each by a commenter of their own: a nic is one person's
            httpx.post(thread, timeout=30, json={"nic": f"Reader {article}-{n}",
                                                 "body": f"Comment {n}."}).raise_for_status()
    return f"{burg.urls['site']}/"


def run(burg: Launched, *, seconds: float, clients: int) -> tuple[dict[str, float], str]:
    """The front page's figures (`front_*`, keyed as `hammer`'s, `front_bytes`, and
    `front_cpu_us_<kind>`: CPU µs per page of each kind of process) on a running Burg whose
    comment rate limits are lifted, and the page's URL. Prints them too."""
    page = front_with_articles(burg, ARTICLES)
    size = len(httpx.get(page, timeout=30).raise_for_status().content)
    comments_throughput.settle(burg)
    load, cpu = reads.timed(lambda: hammer([Target("GET", page, {})], seconds=seconds,
                                           clients=clients),
                            lambda: comments_throughput.cpu_seconds(burg))
    print(f"\nfront page with {ARTICLES} whole articles ({size:,} bytes of HTML), "
          f"{clients} connections, {seconds:g} s, load: {load_tool(clients)}\n")
    print(f"  pages/s           {load.rate:,.1f}")
    print(f"  p50 / p95 (ms)    {load.p50_ms:.1f} / {load.p95_ms:.1f}")
    print(f"  failed requests   {load.failed}")
    print("  CPU µs per page   " + ", ".join(f"{kind} {spent:.0f}" for kind, spent in
                                              sorted(cpu.items()) if spent >= 1), flush=True)
    return load.figures("front") | {"front_bytes": float(size)} | {
        f"front_cpu_us_{kind}": spent for kind, spent in cpu.items()}, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with burg_alone(reads.LIFTED) as (burg, _):
        run(burg, seconds=args.seconds, clients=args.clients)


if __name__ == "__main__":
    main()
