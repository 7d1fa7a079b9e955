"""The web frontend's article page with 200 comments: requests per second and latency with 16
connections (`wrk -t2 -c16`, else httpx threads), as a reader's browser asks for it (no
cookies). Starts its own Burg in a temporary folder (on BURG_REDIS_URL if set, else an embedded
Redis).   Usage: python -m bench.article_page [--seconds 5] [--comments 200]
"""

import argparse
import os
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from bench.alone import burg_alone
from bench.isso_baseline import Target, hammer, load_tool
from devserver.launch import Launched


def article_with_comments(burg: Launched, comments: int, clients: int) -> str:
    """The URL of a new published article's page, once it holds `comments` comments."""
    token = burg.create_editor("Bench")
    posts = httpx.Client(base_url=f"{burg.urls['posts']}/api/posts", timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    with posts:
        slug = posts.post("/categories", json={"name": f"Bench page {time.time_ns()}"}
                          ).raise_for_status().json()["slug"]
        draft = posts.post("/articles", json={
            "title": "A long thread", "category": slug, "source_name": "The Courier",
            "body": "[quote]Something happened.[/quote]\n\n[ed]As we said.[/ed]"}).json()
        article = posts.post(f"/articles/{draft['id']}/publish").raise_for_status().json()
    thread = f"{burg.urls['comments']}/api/comments/articles/{article['id']}/comments"
    deadline = time.monotonic() + 60
    while httpx.get(thread, timeout=30).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError("the comments service never learnt of the article")
        time.sleep(0.1)

    def comment(n: int) -> None:
        httpx.post(thread, timeout=30, json={
            "nic": f"Reader {n}", "body": f"Comment {n}, with [b]bold[/b] words and "
            "a link to https://example.org/some/story."}).raise_for_status()

    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(comment, range(comments)))
    return f"{burg.urls['site']}/articles/{article['slug']}"


def run(burg: Launched, *, seconds: float, clients: int,
        comments: int) -> tuple[dict[str, float], str]:
    """The page's figures (`page_*`, keyed as `hammer`'s, and `page_bytes`) on a running Burg
    whose comment rate limits are lifted, and the page's URL. Prints them too."""
    page = article_with_comments(burg, comments, clients)
    size = len(httpx.get(page, timeout=30).raise_for_status().content)
    load = hammer([Target("GET", page, {})], seconds=seconds, clients=clients)
    print(f"\narticle page with {comments} comments ({size:,} bytes of HTML), "
          f"{clients} connections, {seconds:g} s, load: {load_tool(clients)}\n")
    print(f"  requests/s        {load.rate:,.1f}")
    print(f"  p50 / p95 (ms)    {load.p50_ms:.1f} / {load.p95_ms:.1f}")
    print(f"  failed requests   {load.failed}", flush=True)
    return load.figures("page") | {"page_bytes": float(size)}, page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--comments", type=int, default=200)
    args = parser.parse_args()
    os.environ.update(BURG_COMMENTS_RATE_PER_IP="1000000",
                      BURG_COMMENTS_RATE_PER_COMMENTER="1000000")
    with burg_alone() as (burg, _):
        run(burg, seconds=args.seconds, clients=args.clients, comments=args.comments)


if __name__ == "__main__":
    main()
