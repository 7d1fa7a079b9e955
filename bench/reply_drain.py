"""Reply e-mail drained from a backlog: the e-mails per second notify sends when it is behind,
apart from how fast replies can be posted, and the CPU each process spends per e-mail.

The notify worker (main process, sending threads and pool) is stopped (SIGSTOP) while the
replies are posted and the comments service has relayed their events, then let go: the time
from its release to the last e-mail's arrival at the SMTP sink is the drain, and the CPU each
kind of process used meanwhile, divided by the e-mails, is what one e-mail costs it (notify's
worker and the sink; nothing else has work then). CPU per e-mail, unlike e-mails per second,
holds still on a machine other loads share.
   Usage: python -m bench.reply_drain [--clients 16] [--replies 25] [--drain 25]
"""

import argparse
import os
import time
from pathlib import Path

import psutil

from bench import reply_mail
from bench.alone import burg_alone
from bench.comments_throughput import cpu_seconds, settle
from bench.memory import processes
from bench.reply_mail import arrivals, reply_all, wait_until
from devserver.launch import Launched

NOTIFY_WORKER = "notify-worker"


def notify_workers(burg: Launched) -> list[psutil.Process]:
    """The notify worker's processes: its main process and its pool."""
    return [process for name, process in processes(burg.process.pid).values()
            if name == NOTIFY_WORKER]


def run(burg: Launched, folder: Path, article_id: int, parents: list[int], *,
        replies: int) -> dict[str, float]:
    """Post `replies` per parent with notify stopped, release it, and time the drain:
    `drain_emails_per_s` (release -> last arrival), `drain_first_last_per_s` (first arrival
    -> last) and `drain_cpu_ms <kind>` per e-mail. Prints its table too."""
    maildir = folder / "mail"
    stopped = notify_workers(burg)
    for process in stopped:
        process.suspend()
    try:
        posted, _, _ = reply_all(burg, article_id, parents, replies, nic="Drainer")
        settle(burg, busy_percent=10)  # the comments service has relayed every event
    finally:
        for process in stopped:
            process.resume()
        released = time.time()
    before = cpu_seconds(burg)
    expected = set(posted)

    def arrived() -> dict[int, float] | None:
        seen = arrivals(maildir)
        return seen if expected <= set(seen) else None

    seen = wait_until("every drained reply e-mail", arrived, timeout=600)
    used = cpu_seconds(burg)
    times = [seen[cid] for cid in expected]
    count = len(expected)
    figures = {"drain_emails": float(count),
               "drain_emails_per_s": count / max(1e-6, max(times) - released),
               "drain_first_last_per_s": (count - 1) / max(1e-6, max(times) - min(times))}
    for name, seconds in used.items():
        if (spent := (seconds - before.get(name, 0.0)) / count * 1000) >= 0.05:
            figures[f"drain_cpu_ms {name}"] = spent
    print(f"\nreply e-mail drained: {count} e-mails queued with notify stopped, then released\n")
    rows = [("e-mails per second, release -> last arrival", f"{figures['drain_emails_per_s']:.1f}"),
            ("e-mails per second, first -> last arrival",
             f"{figures['drain_first_last_per_s']:.1f}")]
    rows += [(f"CPU ms per e-mail: {key.removeprefix('drain_cpu_ms ')}", f"{value:.2f}")
             for key, value in sorted(figures.items(), key=lambda item: -item[1])
             if key.startswith("drain_cpu_ms ")]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}", flush=True)
    return figures


def run_both(burg: Launched, folder: Path, *, clients: int, replies: int,
             drain: int) -> dict[str, float]:
    """`reply_mail.run`'s figures (live: replies posted while notify sends), then the drain
    of `drain` replies per client, on the same subscribers."""
    article_id = reply_mail.open_article(burg)
    parents = reply_mail.subscribers(burg, article_id, clients, folder / "mail")
    figures = reply_mail.measure(burg, folder, article_id, parents, replies=replies)
    if drain:
        settle(burg)
        figures |= run(burg, folder, article_id, parents, replies=drain)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--replies", type=int, default=25, help="per client, live")
    parser.add_argument("--drain", type=int, default=25, help="per client, drained")
    args = parser.parse_args()
    os.environ.update(reply_mail.LIFTED)
    with burg_alone() as (burg, folder):
        run_both(burg, folder, clients=args.clients, replies=args.replies, drain=args.drain)


if __name__ == "__main__":
    main()
