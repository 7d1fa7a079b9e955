"""Where a reply's way to its e-mail goes, hop by hop: Redis's MONITOR notes the comments
relay pushing the event onto the notify queue, the notify worker taking it (its unacknowledged
copy) and acknowledging it; the notify database when the e-mail was stored (its row, claimed
for the sending threads) and recorded as sent; the sink's Maildir when it arrived. Isolated
replies, one at a time; prints each hop's time after the reply's POST returned (ms), median
and max over the runs.   Usage: python -m bench.reply_trace [--replies 20]"""

import argparse
import os
import sqlite3
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench import reply_mail
from bench.alone import burg_alone
from bench.publish_trace import Monitor
from devserver.launch import Launched
from shared.embedded_redis import URL_FILE

HOPS = [  # (name, substrings of the command in MONITOR's output), in the order they happen
    ("relay pushed event", ("LPUSH notify",)),
    ("notify worker took event", ("HSET unacked", '"routing_key": "notify"')),
    ("notify worker acknowledged it", ("HDEL unacked",)),
]


def _seen(lines: list[tuple[float, str]]) -> list[tuple[str, float]]:
    """(hop, time) of the HOPS in MONITOR's `lines`, each the first command after the last
    hop's that holds all its parts; none after a hop that is not there."""
    seen: list[tuple[str, float]] = []
    commands = iter(lines)
    for name, parts in HOPS:
        at = next((t for t, command in commands if all(p in command for p in parts)), None)
        if at is None:
            break
        seen.append((name, at))
    return seen


def _stamp(text: str | None) -> float | None:
    """A time the notify database stored (naive UTC) as seconds since the epoch."""
    if not text:
        return None
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def trace(burg_folder: Path, burg: Launched, replies: int) -> None:
    url = os.environ.get("BURG_REDIS_URL") or (burg_folder / URL_FILE).read_text().strip()
    article_id = reply_mail.open_article(burg)
    parent = reply_mail.subscribers(burg, article_id, 1, burg_folder / "mail")[0]
    monitor = Monitor(url)
    monitor.start()
    time.sleep(0.5)
    notify_db = sqlite3.connect(burg_folder / "notify.db")
    rows: dict[str, list[float]] = {}
    token = None
    with httpx.Client(timeout=30) as http:
        for n in range(replies):
            time.sleep(0.3)  # isolated: the last one's work is over
            before = time.time()
            response = http.post(reply_mail.thread_url(burg, article_id),
                                 headers={"X-Commenter-Token": token} if token else {},
                                 json={"nic": "Tracer", "body": f"Trace {n}.",
                                       "parent_id": parent})
            returned = time.time()
            body = response.raise_for_status().json()
            token = token or body["commenter_token"]
            comment = int(body["comment"]["id"])

            def arrival(of: int = comment) -> float | None:
                return reply_mail.arrivals(burg_folder / "mail").get(of)

            arrived = reply_mail.wait_until("the reply's e-mail", arrival)
            time.sleep(0.1)
            lines = [(t, c) for t, c in monitor.lines if t >= before]
            hops = [("POST (before return)", before), *_seen(lines)]
            created, sent = notify_db.execute(
                "select created_at, sent_at from delivery where comment_id = ?",
                (comment,)).fetchone()
            hops += [(name, at) for name, at in (("e-mail stored (db)", _stamp(created)),
                                                 ("e-mail recorded sent (db)", _stamp(sent)))
                     if at is not None]
            hops.append(("e-mail at the sink (Maildir)", arrived))
            for name, at in hops:
                rows.setdefault(name, []).append((at - returned) * 1000)
    if os.environ.get("TRACE_DUMP"):
        for t, c in lines:
            print(f"{(t - returned) * 1000:8.1f} {c[:150]}")
    print(f"\n{replies} isolated replies: ms after the POST returned, median / max\n")
    for name, values in sorted(rows.items(), key=lambda item: statistics.median(item[1])):
        print(f"  {name:<32} {statistics.median(values):7.1f} / {max(values):7.1f}"
              f"  ({len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=20)
    args = parser.parse_args()
    os.environ.update(reply_mail.LIFTED)
    with burg_alone() as (burg, folder):
        trace(folder, burg, args.replies)


if __name__ == "__main__":
    main()
