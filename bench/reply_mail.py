"""Reply e-mail: the time from a reply's POST to its e-mail's arrival at the SMTP server, under
16 concurrent repliers, and the e-mails per second notify sustains.

Sets up 16 commenters who asked for reply e-mail and confirmed their addresses (through the
confirmation e-mail's link, as a person would), then 16 clients reply to them at once, each to
its own commenter, `--replies` times. Arrival is when `make run`'s SMTP sink wrote the message
into its Maildir (the file's time). The hourly limit per address is lifted for the run, so
every reply is its own e-mail. Starts its own Burg in a temporary folder (on BURG_REDIS_URL if
set, else an embedded Redis).   Usage: python -m bench.reply_mail [--clients 16] [--replies 25]
"""

import argparse
import email.policy
import os
import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import TypeVar

import httpx

from bench.alone import burg_alone
from bench.comments_throughput import cpu_seconds
from bench.publish_latency import percentiles, spread
from devserver.launch import Launched

COMMENT = re.compile(r"/comments/(\d+)")
T = TypeVar("T")


def thread_url(burg: Launched, article_id: int) -> str:
    return f"{burg.urls['comments']}/api/comments/articles/{article_id}/comments"


def open_article(burg: Launched) -> int:
    token = burg.create_editor("Bench")
    editor = httpx.Client(base_url=f"{burg.urls['posts']}/api/posts", timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    with editor:
        slug = editor.post("/categories", json={"name": f"Bench mail {time.time_ns()}"}
                           ).raise_for_status().json()
        article = editor.post("/articles", json={"title": "Bench", "category": slug["slug"],
                                                 "body": "Something happened."})
        article_id = int(article.raise_for_status().json()["id"])
        editor.post(f"/articles/{article_id}/publish").raise_for_status()
    deadline = time.monotonic() + 60
    while httpx.get(thread_url(burg, article_id), timeout=30).status_code != 200:
        if time.monotonic() > deadline:
            raise RuntimeError("the comments service never learnt of the article")
        time.sleep(0.1)
    return article_id


def mails(folder: Path) -> list[tuple[float, EmailMessage]]:
    """(arrival time, message) of every message in the sink's Maildir."""
    parser = BytesParser(_class=EmailMessage, policy=email.policy.default)
    return [(path.stat().st_mtime, parser.parsebytes(path.read_bytes()))
            for path in ((folder / "new").iterdir() if (folder / "new").exists() else [])]


_REPLIES: dict[Path, tuple[float, int | None]] = {}  # each file read once: (arrival, comment)


def arrivals(folder: Path) -> dict[int, float]:
    """Comment id -> arrival time of each reply e-mail in the sink's Maildir (each file is
    parsed once: the bench shares the machine with what it measures)."""
    parser = BytesParser(_class=EmailMessage, policy=email.policy.default)
    for path in (folder / "new").iterdir() if (folder / "new").exists() else []:
        if path not in _REPLIES:
            message, comment = parser.parsebytes(path.read_bytes()), None
            if message["Subject"].startswith("New reply"):
                plain = message.get_body(preferencelist=("plain",))
                if match := COMMENT.search(plain.get_content() if plain else ""):
                    comment = int(match.group(1))
            _REPLIES[path] = (path.stat().st_mtime, comment)
    return {comment: at for at, comment in _REPLIES.values() if comment is not None}


def wait_until(what: str, check: Callable[[], T | None], timeout: float = 300) -> T:
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what}")
        time.sleep(0.2)
    return result


def subscribers(burg: Launched, article_id: int, clients: int, folder: Path) -> list[int]:
    """`clients` comments whose authors asked for reply e-mail and confirmed their address."""
    run = os.urandom(3).hex()
    addresses = [f"bench-{run}-{i}@example.org" for i in range(clients)]
    parents = []
    for index, address in enumerate(addresses):
        posted = httpx.post(thread_url(burg, article_id), timeout=30, json={
            "nic": f"Subscriber {run} {index}", "body": "Tell me.", "email": address,
            "notify_replies": True})
        parents.append(int(posted.raise_for_status().json()["comment"]["id"]))
    for address in addresses:
        def confirmation(to: str = address) -> EmailMessage | None:
            return next((m for _, m in mails(folder) if m["To"] == to), None)

        plain = wait_until(f"the confirmation e-mail to {address}", confirmation).get_body(
            preferencelist=("plain",))
        text = plain.get_content() if plain else ""
        link = next(w for w in text.split() if "/subscriptions/confirm?" in w)
        with httpx.Client(timeout=30) as browser:  # the page's button, with its CSRF cookie
            page = browser.get(link).raise_for_status()
            fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"',
                                     page.text))
            browser.post(link.split("?")[0], data=fields).raise_for_status()
    return parents


def reply_all(burg: Launched, article_id: int, parents: list[int], replies: int,
              nic: str = "Replier") -> tuple[dict[int, float], list[float], float]:
    """Each client (a commenter of its own: `nic` and a number) replies `replies` times to its
    own parent: (comment id → wall time its POST returned, POST durations, seconds the whole
    run took)."""
    def client(index: int) -> list[tuple[int, float, float]]:
        done = []
        with httpx.Client(timeout=60) as http:
            token = None
            for n in range(replies):
                before = time.perf_counter()
                response = http.post(
                    thread_url(burg, article_id),
                    headers={"X-Commenter-Token": token} if token else {},
                    json={"nic": f"{nic} {index}", "body": f"Reply {n}.",
                          "parent_id": parents[index]})
                body = response.raise_for_status().json()
                token = token or body["commenter_token"]
                done.append((int(body["comment"]["id"]), time.time(),
                             time.perf_counter() - before))
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(parents)) as pool:
        results = [row for rows in pool.map(client, range(len(parents))) for row in rows]
    return ({cid: at for cid, at, _ in results}, [d for _, _, d in results],
            time.perf_counter() - started)


LIFTED = {"BURG_COMMENTS_RATE_PER_IP": "1000000", "BURG_COMMENTS_RATE_PER_COMMENTER": "1000000",
          "BURG_COMMENTS_MAIL_REQUESTS_PER_IP": "1000000", "BURG_COMMENTS_PREMODERATION": "false",
          "BURG_NOTIFY_MAX_PER_WINDOW": "1000000"}  # what launch() must be given for a run


def run(burg: Launched, folder: Path, *, clients: int, replies: int) -> dict[str, float]:
    """Reply e-mail figures on a running Burg (started with LIFTED in its environment) whose
    data folder is `folder`: `mail_*` (POST returned -> at the SMTP server) and `post_*`
    percentiles, `emails_per_s`, and counts. Prints its table too."""
    article_id = open_article(burg)
    parents = subscribers(burg, article_id, clients, folder / "mail")
    return measure(burg, folder, article_id, parents, replies=replies)


def measure(burg: Launched, folder: Path, article_id: int, parents: list[int], *,
            replies: int) -> dict[str, float]:
    """`run`'s figures, for replies to `parents` (`subscribers`) on the article."""
    maildir, clients = folder / "mail", len(parents)
    before = cpu_seconds(burg)
    posted, durations, seconds = reply_all(burg, article_id, parents, replies)
    expected = set(posted)

    def arrived() -> dict[int, float] | None:
        seen = arrivals(maildir)
        return seen if expected <= set(seen) else None

    seen = wait_until("every reply e-mail", arrived, timeout=600)
    used = {name: (spent - before.get(name, 0.0)) / len(expected) * 1000
            for name, spent in cpu_seconds(burg).items()}
    latencies = [seen[cid] - posted[cid] for cid in expected]
    first_post = min(posted.values()) - seconds / max(1, len(posted))
    span = max(seen[cid] for cid in expected) - first_post
    print(f"\nreply e-mail: {clients} concurrent repliers, {replies} replies each, "
          "each to a confirmed subscriber\n")
    rows = [
        ("replies posted / e-mails arrived", f"{len(posted)} / {len(expected & set(seen))}"),
        ("reply POST p50 / p95 / max (ms)", percentiles(durations)),
        ("POST returned -> e-mail at the SMTP server p50 / p95 / max (ms)",
         percentiles(latencies)),
        ("replies posted per second", f"{len(posted) / seconds:.1f}"),
        ("e-mails per second, first POST to last arrival", f"{len(expected) / span:.1f}"),
    ]
    # What each process spent per reply while the e-mails flowed: how the cores were shared.
    rows += [(f"CPU ms per reply: {name}", f"{spent:.2f}")
             for name, spent in sorted(used.items(), key=lambda item: -item[1]) if spent >= 0.05]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}", flush=True)
    return {**spread("mail", latencies), **spread("post", durations),
            "replies": float(len(posted)), "emails": float(len(expected & set(seen))),
            "posts_per_s": len(posted) / seconds, "emails_per_s": len(expected) / span,
            **{f"live_cpu_ms {name}": spent for name, spent in used.items() if spent >= 0.05}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--replies", type=int, default=25, help="per client")
    args = parser.parse_args()
    os.environ.update(LIFTED)
    with burg_alone() as (burg, folder):
        run(burg, folder, clients=args.clients, replies=args.replies)


if __name__ == "__main__":
    main()
