"""CPU the notify service spends per reply e-mail, in one process, split into storing (the
`comment.created` handler, `--batch` events per transaction as a batched delivery applies
them) and sending (the sending threads: claim, build, SMTP, record). An SMTP sink that
discards runs in a process of its own, so its CPU is not counted; a cProfile of either part
on request. CPU, unlike e-mails per second, holds still on a machine other loads share.
   Usage: python -m bench.notify_send_cpu [--emails 800] [--batch 16] [--profile send]
"""

import argparse
import cProfile
import os
import pstats
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import event
from sqlmodel import func, select

from services.notify import replies
from services.notify.bootstrap import bootstrap
from services.notify.migrate import MIGRATIONS
from services.notify.models import (
    Address,
    Consent,
    Delivery,
    NotifyTable,
    Status,
    Subscription,
)
from shared.embedded_redis import EmbeddedRedis, free_port
from shared.events import CommentCreated
from shared.migrations import config
from shared.runtime import with_event_tables

SUBSCRIBERS = 16


def sink(port: int) -> subprocess.Popen[bytes]:
    """aiosmtpd answering 250 to everything, keeping nothing."""
    process = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l",
                                f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"])
    time.sleep(1.0)
    return process


def _spy(name: str) -> subprocess.Popen[bytes]:
    """py-spy sampling this process's threads while they hold the GIL (what uses the CPU),
    into notify-<name>.txt (collapsed stacks), until terminated."""
    spy = subprocess.Popen(["py-spy", "record", "--gil", "-r", "250", "-f", "raw", "-o",
                            f"notify-{name}.txt", "-p", str(os.getpid())])
    time.sleep(1.0)
    return spy


def measure(emails: int, batch: int, profile: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="burg-notify-cpu-") as folder:
        redis = EmbeddedRedis(Path(folder) / "redis").start()
        port = free_port()
        smtp = sink(port)
        try:
            return _run(Path(folder), redis.url, port, emails, batch, profile)
        finally:
            smtp.terminate()
            redis.stop()


def _run(folder: Path, redis_url: str, port: int, emails: int, batch: int,
         profile: str) -> dict[str, float]:
    database = f"sqlite:///{folder}/notify.db"
    command.upgrade(config(database, with_event_tables(NotifyTable.metadata), MIGRATIONS), "head")
    service = bootstrap(data_dir=folder, redis_url=redis_url, smtp_port=port,
                        database_url=database, max_per_window=10**6)
    sessions = service.runtime.sessions
    statements = [0]  # SQL statements run: a count that holds still however loaded the machine

    @event.listens_for(service.runtime.engine, "before_cursor_execute")
    def _count(*_: object) -> None:
        statements[0] += 1

    with sessions() as session:
        for n in range(SUBSCRIBERS):
            address = Address(email=f"bench-{n}@example.org", consent=Consent.confirmed)
            session.add(address)
            session.flush()
            assert address.id is not None
            session.add(Subscription(comment_id=n + 1, article_id=1, commenter_id=n + 1,
                                     nic=f"Subscriber {n}", address_id=address.id))
        session.commit()
    events = [CommentCreated(
        comment_id=1000 + n, article_id=1, article_title="Ferry line returns",
        article_url="https://burg.example/a/ferry", parent_id=n % SUBSCRIBERS + 1,
        commenter_id=5000 + n, nic=f"Replier {n % SUBSCRIBERS}",
        body_html=f"<p>Reply {n}, with <b>a</b> <a href=\"https://example.org/\">link</a>.</p>",
        created_at=datetime.now(UTC), parent_wants_replies=True) for n in range(emails)]

    def store() -> None:
        for start in range(0, emails, batch):
            with sessions() as session:
                for event in events[start:start + batch]:
                    replies.on_comment_created(session, event, settings=service.settings)
                session.commit()

    def sent() -> int:
        with sessions() as session:
            count = session.exec(select(func.count()).select_from(Delivery)
                                 .where(Delivery.status == Status.sent)).one()
        statements[0] -= 1  # the bench's own
        return count

    def send() -> None:
        service.sender.start()
        while sent() < emails:
            time.sleep(0.25)
        service.sender.stop(10)

    def live() -> None:  # the way a worker runs: the threads take what each commit hands over
        service.sender.start()
        store()
        while sent() < 2 * emails:
            time.sleep(0.25)
        service.sender.stop(10)

    figures = {}
    for name, part in (("store", store), ("send", send)):
        profiler = cProfile.Profile() if profile == name == "store" else None
        spy = _spy(name) if profile == name != "store" else None
        cpu, wall, ran = time.process_time(), time.perf_counter(), statements[0]
        if profiler:
            profiler.enable()
        part()
        if profiler:
            profiler.disable()
        figures[f"{name}_cpu_ms"] = (time.process_time() - cpu) / emails * 1000
        figures[f"{name}_wall_s"] = time.perf_counter() - wall
        figures[f"{name}_sql"] = (statements[0] - ran) / emails
        if profiler:
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        if spy:
            spy.send_signal(signal.SIGINT)
            spy.wait()
    events = [event.model_copy(update={"comment_id": event.comment_id + emails})
              for event in events]
    spy = _spy("live") if profile == "live" else None
    cpu, wall, ran = time.process_time(), time.perf_counter(), statements[0]
    live()
    figures["live_cpu_ms"] = (time.process_time() - cpu) / emails * 1000
    figures["live_wall_s"] = time.perf_counter() - wall
    figures["live_sql"] = (statements[0] - ran) / emails
    if spy:
        spy.send_signal(signal.SIGINT)
        spy.wait()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--emails", type=int, default=800)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--profile", choices=("store", "send", "live", ""), default="")
    args = parser.parse_args()
    figures = measure(args.emails, args.batch, args.profile)
    print(f"\nnotify CPU per reply e-mail ({args.emails} e-mails, {args.batch} events per "
          "transaction), one process, the SMTP sink apart\n")
    for part in ("store", "send", "live"):
        print(f"  {part:<6} {figures[f'{part}_cpu_ms']:6.2f} ms CPU per e-mail "
              f"({figures[f'{part}_wall_s']:.1f} s wall), "
              f"{figures[f'{part}_sql']:.2f} SQL statements per e-mail")


if __name__ == "__main__":
    main()
