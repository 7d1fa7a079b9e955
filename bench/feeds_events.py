"""CPU the feeds worker spends per comment event, in process (no broker messages, a SQLite
file, `BURG_REDIS_URL`'s Redis for the render lease): `comment.created` events go through the
feeds inbox in batches (`Inbox.handle_batch`, as `feeds.handle_events` applies them), and after
each batch one render round (`StaleRenders.render_all`) renders what it marked stale. Two
loads: a POST burst (every comment on one article, as `bench.comments_throughput` posts them)
and an import (ten comments an article, article after article, as `bench.import_speed`).
Prints CPU ms per event, handling and rendering apart, median of three runs; compare two
versions by running it in each. `--profile FILE` writes a cProfile of the import load.
   Usage: python -m bench.feeds_events [--events 2000] [--batch 50] [--profile FILE]
"""

import argparse
import cProfile
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command

from bench.feed_render import WORDS
from services.feeds.bootstrap import Service, bootstrap
from services.feeds.migrate import MIGRATIONS
from services.feeds.models import FeedsTable
from services.feeds.tasks import handlers, renderer
from shared.events import ArticlePublished, CommentCreated, Envelope, Event
from shared.migrations import config
from shared.runtime import with_event_tables

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RUNS = 3


def published(number: int) -> ArticlePublished:
    return ArticlePublished(
        article_id=number, slug=f"a{number}", url=f"https://burg.example/a/{number}",
        title=f"Article {number}", category_slug="world", category_name="World",
        posted_by="Bench", dateline=T0.date(), summary="A summary.",
        body_html=f"<p>Body {number}.</p>", published_at=T0 + timedelta(minutes=number),
        updated_at=T0 + timedelta(minutes=number), comments_close_at=None)


def comment(number: int, article_id: int) -> CommentCreated:
    """A comment of about 60 words in two paragraphs, a link and an emphasis, as the comments
    service's writer makes its HTML."""
    words = [WORDS[(number * 7 + at) % len(WORDS)] for at in range(60)]
    body = (f"<p>{' '.join(words[:25])} <em>{words[25]}</em> "
            f"<a href=\"https://example.org/{number}\" rel=\"nofollow noopener\">{words[26]}</a>"
            f"</p><p>{' '.join(words[27:])}</p>")
    return CommentCreated(
        comment_id=number, article_id=article_id, article_title=f"Article {article_id}",
        article_url=f"https://burg.example/a/{article_id}", parent_id=None, commenter_id=1,
        nic=f"Reader {number % 40}", body_html=body,
        created_at=T0 + timedelta(days=1, seconds=number))


def wrapped(events: list[Event]) -> list[dict[str, Any]]:
    return [Envelope.wrap(event, producer="bench").model_dump(mode="json") for event in events]


@contextmanager
def feeds_in_process(prefix: str, *before: list[Event]) -> Iterator[Service]:
    """The feeds service on a SQLite file of its own (in memory where there is a tmpfs: a
    commit's wait for the disk is no CPU of the worker's), with `before`'s batches applied
    and rendered."""
    memory = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(prefix=prefix, dir=memory) as folder:
        database = f"sqlite:///{folder}/feeds.db"
        command.upgrade(config(database, with_event_tables(FeedsTable.metadata), MIGRATIONS),
                        "head")
        service: Service = bootstrap(database_url=database, websub_hub="")
        service.runtime.inbox.handlers.update(handlers(service.settings))
        service.renders.redis.delete(f"{service.renders.flag}:lock")
        try:
            for events in before:
                service.runtime.inbox.handle_batch(wrapped(events))
                service.renders.render_all(renderer(service.settings))
            yield service
        finally:
            service.runtime.engine.dispose()


def timed(service: Service, events: list[Event], batch: int,
          profiler: cProfile.Profile | None) -> tuple[float, float]:
    """(handling, rendering) CPU ms per event of `events` through the inbox `batch` at a
    time, a render round after each batch."""
    envelopes, render = wrapped(events), renderer(service.settings)
    handling = rendering = 0.0
    if profiler:
        profiler.enable()
    for start in range(0, len(envelopes), batch):
        began = time.process_time()
        service.runtime.inbox.handle_batch(envelopes[start:start + batch])
        handled = time.process_time()
        service.renders.render_all(render)
        handling += handled - began
        rendering += time.process_time() - handled
    if profiler:
        profiler.disable()
    return handling * 1000 / len(envelopes), rendering * 1000 / len(envelopes)


def run(load: str, events: int, batch: int, profiler: cProfile.Profile | None) -> tuple[float,
                                                                                         float]:
    """(handling, rendering) CPU ms per event of `events` comments of `load`."""
    articles = 1 if load == "post" else events // 10
    with feeds_in_process("burg-feeds-events-",
                          [published(n) for n in range(1, articles + 1)]) as service:
        return timed(service, [comment(n, 1 + (n - 1) // 10 % articles) for n in range(events)],
                     batch, profiler)


def print_row(name: str, runs: list[tuple[float, float]]) -> None:
    """One load's row: the medians of its runs' (handling, rendering) and of their sums."""
    handling = statistics.median(h for h, _ in runs)
    rendering = statistics.median(r for _, r in runs)
    total = statistics.median(h + r for h, r in runs)
    print(f"  {name:<34}{handling:>10.3f}{rendering:>11.3f}{total:>8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--profile", help="write a cProfile of the import load to this file")
    args = parser.parse_args()
    print(f"\nfeeds worker, comment.created in batches of {args.batch}, a render round after "
          f"each batch, {args.events} events, CPU ms per event (median of {RUNS} runs):\n")
    print(f"  {'load':<34}{'handling':>10}{'rendering':>11}{'total':>8}")
    for load, name in (("post", "POST burst (one article)"),
                       ("import", "import (10 comments an article)")):
        profiler = cProfile.Profile() if args.profile and load == "import" else None
        runs = [run(load, args.events, args.batch, profiler) for _ in range(RUNS)]
        print_row(name, runs)
        if profiler:
            profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
