"""Search for a common word over a big site: pages per second and latency with 16 connections
(`wrk -t2 -c16`, else httpx threads), and CPU per request (of the serving processes: the
figure a shared machine does not bend), of the search API (most relevant first, and newest
first) and of the web's /search page. The corpus (10,000 articles, 100,000 comments, one
in three holding the common word) is written straight into a search database of its own;
the search API and the web frontend run as `make run` runs them, on an embedded Redis (or
BURG_REDIS_URL).   Usage: python -m bench.search [--seconds 5] [--articles 10000]
[--comments 100000]
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
from sqlmodel import Session

from bench.isso_baseline import Target, answers, hammer, load_tool, stop_group
from services.search.indexing import Doc, doc_id, insert_docs
from shared.db import make_engine
from shared.embedded_redis import EmbeddedRedis, free_port

COMMON = "harbour"  # in one document of three
WORDS = ("ferry fares rose again council vote budget river bridge storm coast trade port "
         "minister talks border report army market price school night").split()


def load_corpus(url: str, articles: int, comments: int, seed: int = 19) -> None:
    """Write `articles` articles and `comments` comments (spread over them) into the search
    database at `url`, indexed as the worker indexes them."""
    rng, start = random.Random(seed), datetime(2024, 1, 1, tzinfo=UTC)

    def text(length: int) -> str:
        words = [rng.choice(WORDS) for _ in range(length)]
        if rng.random() < 1 / 3:
            words.insert(rng.randrange(length), COMMON)
        return " ".join(words)

    engine = make_engine(url)
    docs: list[Doc] = []
    for n in range(1, articles + comments + 1):
        kind, at = ("article" if n <= articles else "comment"), start + timedelta(minutes=n)
        ref = n if kind == "article" else n - articles
        article = ref if kind == "article" else rng.randint(1, articles)
        title = f"Article {article}: {text(6)}"
        docs.append({
            "id": doc_id(kind, ref, at), "kind": kind, "ref_id": ref, "article_id": article,
            "heading": title if kind == "article" else "", "title": title,
            "nic": f"Nic {n % 500}", "url": f"http://127.0.0.1/articles/a-{article}",
            "body": text(120 if kind == "article" else 40), "published_at": at,
            "updated_at": at})
        if len(docs) == 10_000 or n == articles + comments:
            with Session(engine) as session:
                insert_docs(session, docs)
                session.commit()
            docs = []
    engine.dispose()


def serve(command: list[str], env: dict[str, str], health: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    while not answers(health):
        if time.monotonic() > deadline or process.poll() is not None:
            stop_group(process)
            raise RuntimeError(f"{' '.join(command[:4])} did not start")
        time.sleep(0.2)
    return process


def cpu_seconds(*processes: subprocess.Popen[bytes]) -> float:
    """User and system CPU the processes (and their children) have used so far."""
    total = 0.0
    for process in processes:
        for each in (proc := psutil.Process(process.pid), *proc.children(recursive=True)):
            times = each.cpu_times()
            total += times.user + times.system
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--comments", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="burg-bench-") as folder:
        data = Path(folder)
        redis = None if os.environ.get("BURG_REDIS_URL") else EmbeddedRedis(data).start()
        api_port, web_port = free_port(), free_port()
        env = dict(os.environ) | {
            "BURG_DATA_DIR": folder, "BURG_SEARCH_DATABASE_URL": f"sqlite:///{data}/search.db",
            "BURG_SEARCH_URL": f"http://127.0.0.1:{api_port}",
            "BURG_REDIS_URL": os.environ.get("BURG_REDIS_URL") or (redis.url if redis else "")}
        subprocess.run([sys.executable, "-m", "services.search.migrate", "upgrade"], env=env,
                       check=True, capture_output=True)
        began = time.monotonic()
        load_corpus(env["BURG_SEARCH_DATABASE_URL"], args.articles, args.comments)
        print(f"corpus: {args.articles:,} articles, {args.comments:,} comments, loaded in "
              f"{time.monotonic() - began:.0f} s; searching for {COMMON!r} (in one of three)")
        uvicorn = [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1",
                   "--no-access-log", "--no-proxy-headers"]
        api = serve([*uvicorn, "services.search.api:main", "--port", str(api_port)], env,
                    f"http://127.0.0.1:{api_port}/healthz")
        web = serve([*uvicorn, "services.web.app:create_app", "--port", str(web_port)], env,
                    f"http://127.0.0.1:{web_port}/healthz")
        try:
            print(f"\n{args.clients} connections, {args.seconds:g} s each, load: "
                  f"{load_tool(args.clients)}\n")
            print(f"  {'what':<34} {'pages/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'failed':>7} "
                  f"{'CPU ms/page':>12}")
            for what, url in (
                    ("API, most relevant first", f"http://127.0.0.1:{api_port}/api/search/"
                                                 f"?q={COMMON}&order=relevant"),
                    ("API, newest first", f"http://127.0.0.1:{api_port}/api/search/"
                                          f"?q={COMMON}&order=newest"),
                    ("web /search, most relevant first",
                     f"http://127.0.0.1:{web_port}/search?q={COMMON}&order=relevant")):
                httpx.get(url, timeout=30).raise_for_status()
                used = cpu_seconds(api, web)
                load = hammer([Target("GET", url, {})], seconds=args.seconds,
                              clients=args.clients)
                cpu_ms = (cpu_seconds(api, web) - used) * 1000 / max(1, load.ok + load.failed)
                print(f"  {what:<34} {load.rate:>9,.1f} {load.p50_ms:>8.1f} "
                      f"{load.p95_ms:>8.1f} {load.failed:>7} {cpu_ms:>12.2f}", flush=True)
        finally:
            stop_group(web)
            stop_group(api)
            if redis:
                redis.stop()


if __name__ == "__main__":
    main()
