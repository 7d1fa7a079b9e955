"""Comment POST and thread GET throughput of Burg's comments service, beside Isso's.

16 concurrent clients on one article: comment POSTs (each client a commenter of its own, with
its token), then GETs of the first page of a 200-comment and of a 2,000-comment thread, and the
time to read a whole thread page by page. Then the same load on Isso 0.14 under gunicorn
(bench.isso_baseline), and one table with both and the ratios. Starts its own Burg in a
temporary folder (on BURG_REDIS_URL if set, else an embedded Redis), with comment rate limits
lifted.   Usage: python -m bench.comments_throughput [--seconds 5] [--clients 16] [--no-isso]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
from redis import Redis

from bench import comment_ceiling, memory
from bench.alone import burg_alone
from bench.isso_baseline import (
    Load,
    Target,
    answers,
    hammer,
    load_tool,
    measure_isso,
    send_all,
    stop_group,
)
from devserver.launch import Launched
from devserver.processes import DevSettings
from shared.db import make_engine
from shared.embedded_redis import EmbeddedRedis, free_port

PAGE = 50  # comments per thread page; the first page is what a reader's browser loads
TEXT = "A bench comment, number {n}, with [b]some[/b] markup to render."
GOALS = {"post": 4.0, "get": 100.0}  # the bar: times Isso's rate


def publish_article(burg: Launched, token: str, category: str) -> int:
    """A new published article's id, once the comments service knows of it (by an event)."""
    posts = httpx.Client(base_url=f"{burg.urls['posts']}/api/posts", timeout=30,
                         headers={"Authorization": f"Bearer {token}"})
    with posts:
        article = posts.post("/articles", json={"title": f"Bench {time.time_ns()}",
                                                "category": category,
                                                "body": "[quote]Something happened.[/quote]"})
        article_id = int(article.raise_for_status().json()["id"])
        posts.post(f"/articles/{article_id}/publish").raise_for_status()
    deadline = time.monotonic() + 60
    while httpx.get(thread_url(burg, article_id), timeout=30).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the comments service never learnt of article {article_id}")
        time.sleep(0.1)
    return article_id


def thread_url(burg: Launched, article_id: int) -> str:
    return f"{burg.urls['comments']}/api/comments/articles/{article_id}/comments"


def new_commenters(burg: Launched, article_id: int, clients: int,
                   name: str = "Bench") -> list[Target]:
    """One commenter per client (`<name> <n>`), made by a first comment: a POST as each.

    A nic belongs to whoever used it first, so each later POST carries its commenter's token.
    """
    def first(index: int) -> Target:
        nic = f"{name} {index}"
        response = httpx.post(thread_url(burg, article_id), timeout=30,
                              json={"nic": nic, "body": TEXT.replace("{n}", "0")})
        token = str(response.raise_for_status().json()["commenter_token"])
        return Target("POST", thread_url(burg, article_id),
                      {"Content-Type": "application/json", "X-Commenter-Token": token},
                      json.dumps({"nic": nic, "body": TEXT}))

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(first, range(clients)))


def on_article(commenters: list[Target], burg: Launched, article_id: int) -> list[Target]:
    """The same commenters' POSTs, on another article."""
    return [Target(t.method, thread_url(burg, article_id), t.headers, t.body)
            for t in commenters]


def count(burg: Launched, article_id: int) -> int:
    return int(httpx.get(thread_url(burg, article_id), params={"limit": 1},
                         timeout=30).raise_for_status().json()["count"])


def fill(burg: Launched, article_id: int, commenters: list[Target], total: int) -> None:
    """Post on the article, from all commenters at once, until it holds `total` comments."""
    posts = on_article(commenters, burg, article_id)
    missing = total - count(burg, article_id)
    send_all([posts[i % len(posts)] for i in range(missing)], clients=len(posts))
    if (have := count(burg, article_id)) != total:
        raise RuntimeError(f"article {article_id} holds {have} comments, not {total}"
                           " (is pre-moderation on?)")


def settle(burg: Launched, *, busy_percent: float = 20, timeout: float = 30) -> None:
    """Wait until Burg's processes are nearly idle.

    Posting leaves the workers relaying events for a while; on the same machine they would
    take CPU from the next measurement, which is then no longer about the API alone.
    """
    root = psutil.Process(burg.process.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes = [root, *root.children(recursive=True)]
        for process in processes:
            process.cpu_percent(None)  # the first call only starts the interval
        time.sleep(0.5)
        busy = 0.0
        for process in processes:
            try:
                busy += process.cpu_percent(None)
            except psutil.NoSuchProcess:
                pass
        if busy < busy_percent:
            return


def cpu_seconds(burg: Launched) -> dict[str, float]:
    """CPU seconds (user + system) used so far by each kind of Burg process: `comments-api`,
    `feeds-worker`, `redis`, and so on. A process started by another (uvicorn's and Celery's
    pool processes) counts as its parent's kind."""
    used: dict[str, float] = {}
    for name, process in memory.processes(burg.process.pid).values():
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        used[name] = used.get(name, 0.0) + times.user + times.system
    return used


def walk_thread(burg: Launched, article_id: int) -> tuple[float, int, int]:
    """Read a whole thread as a client would: (seconds, comments, pages).

    A response without `next_cursor` is the whole thread (a service without paging).
    """
    params: dict[str, str | int] = {"limit": PAGE}
    comments = pages = 0
    before = time.perf_counter()
    with httpx.Client(timeout=60) as http:
        while True:
            page = http.get(thread_url(burg, article_id), params=params).raise_for_status()
            comments, pages = comments + len(page.json()["comments"]), pages + 1
            if not page.json().get("next_cursor"):
                return time.perf_counter() - before, comments, pages
            params = {"limit": PAGE, "cursor": page.json()["next_cursor"]}


def measure_thread(burg: Launched, article_id: int, name: str, *, seconds: float,
                   clients: int) -> dict[str, float]:
    """First-page GETs under load, and the median of three whole-thread reads."""
    settle(burg)
    total = count(burg, article_id)
    load = hammer([Target("GET", f"{thread_url(burg, article_id)}?limit={PAGE}", {})],
                  seconds=seconds, clients=clients)
    walks = [walk_thread(burg, article_id) for _ in range(3)]
    if walks[0][1] != total:
        raise RuntimeError(f"read {walks[0][1]} of the {total} comments of article {article_id}")
    return load.figures(f"get_{name}") | {
        f"get_{name}_comments": float(total), f"full_{name}_pages": float(walks[0][2]),
        f"full_{name}_ms": statistics.median(walk[0] for walk in walks) * 1000}


def measure_burg(burg: Launched, *, seconds: float, clients: int, big: int,
                 articles: dict[str, int] | None = None) -> dict[str, float]:
    """Burg's figures, keyed like measure_isso's (plus whole-thread reads). `articles`, if
    given, is told the ids of the threads: `posted`, `200` and `big`."""
    token = burg.create_editor("Bench")
    category = httpx.post(f"{burg.urls['posts']}/api/posts/categories", timeout=30,
                          headers={"Authorization": f"Bearer {token}"},
                          json={"name": f"Bench {time.time_ns()}"}
                          ).raise_for_status().json()["slug"]
    posted, small, large = (publish_article(burg, token, category) for _ in range(3))
    if articles is not None:
        articles.update(posted=posted, **{"200": small, "big": large})
    commenters = new_commenters(burg, posted, clients)
    fill(burg, small, commenters, 200)
    figures = measure_thread(burg, small, "200", seconds=seconds, clients=clients)
    fill(burg, large, commenters, big)
    figures |= measure_thread(burg, large, "big", seconds=seconds, clients=clients)
    settle(burg)
    before = cpu_seconds(burg)
    post: Load = hammer(commenters, seconds=seconds, clients=clients)
    figures |= post.figures("post")
    # Where the CPU of a comment goes: the API, and the fan-out running beside it.
    for name, seconds_used in cpu_seconds(burg).items():
        spent = (seconds_used - before.get(name, 0.0)) / max(1, post.ok) * 1000
        if spent >= 0.05:
            figures[f"cpu_ms {name}"] = spent
    # The POST run leaves a thread longer still: its first page should cost the same again.
    figures |= measure_thread(burg, posted, "posted", seconds=seconds, clients=clients)
    return figures


def measure_ceiling(folder: Path, *, seconds: float, clients: int) -> dict[str, float]:
    """The same POST load on bench/comment_ceiling.py: the least a comment POST can cost on
    this stack. As many API processes and pool children as `make run` gives the comments
    service, on BURG_REDIS_URL's Redis if set, else on an embedded one of its own."""
    settings, port = DevSettings(), free_port()
    commands = {
        "api": ["uvicorn", "bench.comment_ceiling:api", "--host", "127.0.0.1", "--port",
                str(port), "--no-access-log", "--log-level", "warning",
                "--workers", str(settings.comments_api_processes)],
        "worker": ["celery", "-A", "bench.comment_ceiling:consumer", "worker", "-Q",
                   comment_ceiling.QUEUE, "--concurrency", str(settings.worker_concurrency),
                   "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                   "--without-heartbeat"]}
    log = folder / "ceiling.log"  # Celery's banner and warnings: shown only if it fails
    embedded: EmbeddedRedis | None = None
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        if not os.environ.get("BURG_REDIS_URL"):
            embedded = EmbeddedRedis(folder / "redis").start()
        env = dict(os.environ, BENCH_DATABASE_URL=f"sqlite:///{folder / 'ceiling.db'}",
                   BENCH_REDIS_URL=embedded.url if embedded else os.environ["BURG_REDIS_URL"])
        engine = make_engine(env["BENCH_DATABASE_URL"])
        comment_ceiling.posted.metadata.create_all(engine)
        engine.dispose()
        with log.open("wb") as out:
            for name, command in commands.items():
                processes[name] = subprocess.Popen([sys.executable, "-m", *command], env=env,
                                                   stdout=out, stderr=subprocess.STDOUT,
                                                   start_new_session=True)
        queue = Redis.from_url(env["BENCH_REDIS_URL"])

        def drain() -> None:
            """Wait until the worker has taken every task; fail if a process died."""
            deadline = time.monotonic() + 60
            while queue.llen(comment_ceiling.QUEUE):
                if time.monotonic() > deadline or any(p.poll() is not None
                                                      for p in processes.values()):
                    raise RuntimeError(f"the ceiling's worker fell over or behind:\n"
                                       f"{log.read_text()[-3000:]}")
                time.sleep(0.2)

        deadline = time.monotonic() + 60
        while not answers(f"http://127.0.0.1:{port}/docs"):
            if time.monotonic() > deadline or processes["api"].poll() is not None:
                raise RuntimeError(f"the ceiling app did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        post = Target("POST", f"http://127.0.0.1:{port}/articles/1/comments",
                      {"Content-Type": "application/json"},
                      json.dumps({"nic": "Bench", "body": TEXT}))
        hammer([post], seconds=2, clients=clients)  # warm up: connections, caches, pool
        drain()
        before = {name: tree_cpu(process) for name, process in processes.items()}
        load = hammer([post], seconds=seconds, clients=clients)
        figures = load.figures("post")
        drain()  # the worker may trail the POSTs: what it spends catching up is their cost too
        for name, process in processes.items():
            figures[f"cpu_ms {name}"] = (tree_cpu(process) - before[name]) / max(1, load.ok) * 1000
        queue.close()
        return figures
    finally:
        for process in processes.values():
            stop_group(process)
        if embedded:
            embedded.stop()


def tree_cpu(process: subprocess.Popen[bytes]) -> float:
    """CPU seconds (user + system) of a process and its children."""
    root = psutil.Process(process.pid)
    total = 0.0
    for each in [root, *root.children(recursive=True)]:
        try:
            times = each.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def show(burg: dict[str, float], isso: dict[str, float] | None,
         ceiling: dict[str, float] | None, *, seconds: float, clients: int) -> None:
    """One table: Burg, Isso, Burg/Isso and the issue's goal for that ratio."""
    def rate(figures: dict[str, float] | None, key: str) -> str:
        return f"{figures[key]:,.1f}" if figures and key in figures else "-"

    def ms(figures: dict[str, float] | None, key: str) -> str:
        if not figures or f"{key}_p50_ms" not in figures:
            return "-"
        return f"{figures[f'{key}_p50_ms']:,.1f} / {figures[f'{key}_p95_ms']:,.1f}"

    def ratio(key: str) -> str:
        if not isso or key not in burg or not isso.get(key):
            return "-"
        times = burg[key] / isso[key]
        return f"{times:.2f}x" if times < 10 else f"{times:,.1f}x"

    def growth(figures: dict[str, float] | None) -> str:
        if not figures or not figures.get("get_big_per_s") or not figures.get("get_200_per_s"):
            return "-"
        return f"{figures['get_big_per_s'] / figures['get_200_per_s']:.2f}"

    big, isso_big = int(burg["get_big_comments"]), int((isso or {}).get("get_big_comments", 0))
    sizes = f"{big:,}" + (f" (Isso {isso_big:,})" if isso_big and isso_big != big else "")
    rows = [
        ("comment POST/s", rate(burg, "post_per_s"), rate(isso, "post_per_s"),
         ratio("post_per_s"), f">= {GOALS['post']:g}x"),
        ("comment POST p50 / p95 (ms)", ms(burg, "post"), ms(isso, "post"), "", ""),
        ("thread GET/s, 200 comments", rate(burg, "get_200_per_s"),
         rate(isso, "get_200_per_s"), ratio("get_200_per_s"), f">= {GOALS['get']:g}x"),
        ("thread GET p50 / p95 (ms), 200", ms(burg, "get_200"), ms(isso, "get_200"), "", ""),
        (f"thread GET/s, {sizes} comments", rate(burg, "get_big_per_s"),
         rate(isso, "get_big_per_s"), ratio("get_big_per_s"), f">= {GOALS['get']:g}x"),
        (f"thread GET p50 / p95 (ms), {big:,}", ms(burg, "get_big"), ms(isso, "get_big"), "",
         ""),
        (f"thread GET/s, {int(burg['get_posted_comments']):,} comments (POST run's)",
         rate(burg, "get_posted_per_s"), "-", "", ""),
        ("GET rate, long thread / 200 thread", growth(burg), growth(isso), "",
         "1.00: no growth"),
        (f"whole thread alone, 200 (ms; Burg: {int(burg['full_200_pages'])} pages)",
         rate(burg, "full_200_ms"), rate(isso, "full_200_ms"), ratio("full_200_ms"), ""),
        (f"whole thread alone, {big:,} (ms; Burg: {int(burg['full_big_pages'])} pages)",
         rate(burg, "full_big_ms"), rate(isso, "full_big_ms"), ratio("full_big_ms"), ""),
    ]
    header = ("", "Burg", "Isso", "Burg/Isso", "goal")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    print(f"\ncomments: {clients} concurrent clients on one article, {seconds:g} s per figure,"
          f" load: {load_tool(clients)}\nA Burg thread GET is its first page ({PAGE} comments),"
          " an Isso one the whole thread. Whole thread alone: one client reading it (Burg:"
          " page after page), no other load; for times, below 1x is better.\n", flush=True)
    for row in [header, *rows]:
        print("  " + "  ".join(f"{cell:<{widths[0]}}" if i == 0 else f"{cell:>{widths[i]}}"
                               for i, cell in enumerate(row)), flush=True)
    cpu = sorted(((key.removeprefix("cpu_ms "), value) for key, value in burg.items()
                  if key.startswith("cpu_ms ")), key=lambda item: -item[1])
    if cpu:
        print(f"\n  Burg's CPU per comment POST, by process, during the POST run (ms; 2 cores give"
              f" {2000 / burg['post_per_s']:.1f} ms per POST at its rate):", flush=True)
        for name, spent in [*cpu, ("all", sum(value for _, value in cpu))]:
            print(f"    {name:<18} {spent:6.2f}", flush=True)
    if ceiling:
        show_ceiling(burg, isso, ceiling)
    failed = {f"{side} {key}": value
              for side, figures in (("Burg", burg), ("Isso", isso), ("ceiling", ceiling))
              for key, value in (figures or {}).items() if key.endswith("_errors") and value}
    if failed:
        print(f"\n  failed requests: {failed}", flush=True)


def show_ceiling(burg: dict[str, float], isso: dict[str, float] | None,
                 ceiling: dict[str, float]) -> None:
    rate = ceiling["post_per_s"]
    beside = [f"Burg reaches {burg['post_per_s'] / rate:.2f} of it"]
    if isso:
        beside.insert(0, f"{rate / isso['post_per_s']:.2f}x Isso")
    cpu = ", ".join(f"{key.removeprefix('cpu_ms ')} {value:.2f}"
                    for key, value in ceiling.items() if key.startswith("cpu_ms "))
    print("\n  The stack's ceiling for a comment POST (bench/comment_ceiling.py: a FastAPI route,"
          " one SQLite\n  insert, one Celery task that a worker takes and acknowledges; nothing"
          " else), same load:", flush=True)
    print(f"    POST/s               {rate:,.1f} ({'; '.join(beside)})", flush=True)
    print(f"    POST p50 / p95 (ms)  {ceiling['post_p50_ms']:,.1f} /"
          f" {ceiling['post_p95_ms']:,.1f}", flush=True)
    print(f"    CPU per POST (ms)    {cpu} (the worker's catching up included)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--big", type=int, default=2000, help="comments in the long thread")
    parser.add_argument("--no-isso", action="store_true", help="leave Isso out")
    parser.add_argument("--no-ceiling", action="store_true",
                        help="leave out the stack's ceiling (bench/comment_ceiling.py)")
    args = parser.parse_args()
    # launch() hands os.environ on to the services: lift the per-address and per-commenter
    # limits (all load comes from one address) and keep every comment public at once.
    os.environ.update(BURG_COMMENTS_RATE_PER_IP="1000000",
                      BURG_COMMENTS_RATE_PER_COMMENTER="1000000",
                      BURG_COMMENTS_PREMODERATION="false")
    with burg_alone() as (burg, _):
        figures = measure_burg(burg, seconds=args.seconds, clients=args.clients, big=args.big)
    isso = None
    if not args.no_isso:
        with tempfile.TemporaryDirectory(prefix="isso-bench-") as folder:
            # The same thread sizes on both sides, so that the ratios compare like with like.
            isso = measure_isso(Path(folder), seconds=args.seconds, clients=args.clients,
                                big=args.big)
    ceiling = None
    if not args.no_ceiling:
        with tempfile.TemporaryDirectory(prefix="ceiling-bench-") as folder:
            ceiling = measure_ceiling(Path(folder), seconds=args.seconds, clients=args.clients)
    show(figures, isso, ceiling, seconds=args.seconds, clients=args.clients)


if __name__ == "__main__":
    main()
