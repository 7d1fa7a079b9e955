"""CPU the feeds worker spends per published article, in process (no broker messages, a SQLite
file, `BURG_REDIS_URL`'s Redis for the render lease): `article.published` events go through the
feeds inbox in batches (`Inbox.handle_batch`, as `feeds.handle_events` applies them), and after
each batch one render round (`StaleRenders.render_all`) renders what it marked stale. Two
loads, into a category that already holds a full feed: isolated publishes (a batch of one, a
round each, as `bench.publish_latency`'s paced client) and a burst (batches of 8, about what
16 publishing clients hand the worker at once). Prints CPU ms per article, handling and
rendering apart, median of three runs; compare two versions by running it in each.
`--profile FILE` writes a cProfile of the burst load.
   Usage: python -m bench.feeds_publish [--articles 200] [--profile FILE]
"""

import argparse
import cProfile
import time
from datetime import UTC, datetime, timedelta

from bench.feed_render import WORDS
from bench.feeds_events import feeds_in_process, print_row, timed
from shared.events import ArticlePublished

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RUNS = 3
ALREADY = 60  # articles in the category before the run: its feed is full (50 entries)


def published(number: int) -> ArticlePublished:
    """An article of about 300 words in a few paragraphs and a quote, as posts' writer makes
    its HTML (bench.publish_latency's body)."""
    words = [WORDS[(number * 7 + at) % len(WORDS)] for at in range(300)]
    body = (f"<blockquote><p>{' '.join(words[:20])} <em>{words[20]}</em></p></blockquote>"
            + "".join(f"<p>{' '.join(words[at:at + 70])}</p>" for at in range(21, 300, 70)))
    at = T0 + timedelta(minutes=number)
    return ArticlePublished(
        article_id=number, slug=f"a{number}", url=f"https://burg.example/a/{number}",
        title=f"Article {number}", category_slug="world", category_name="World",
        posted_by="Bench", dateline=T0.date(), summary=" ".join(words[:40]),
        body_html=body, published_at=at, updated_at=at, comments_close_at=None)


def run(batch: int, articles: int, profiler: cProfile.Profile | None) -> tuple[float, float]:
    """(handling, rendering) CPU ms per article of `articles` published `batch` at a time."""
    with feeds_in_process("burg-feeds-publish-",
                          [published(n) for n in range(1, ALREADY + 1)]) as service:
        return timed(service, [published(n) for n in range(ALREADY + 1, ALREADY + 1 + articles)],
                     batch, profiler)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--profile", help="write a cProfile of the burst load to this file")
    args = parser.parse_args()
    print(f"\nfeeds worker, article.published, a render round after each batch, "
          f"{args.articles} articles, CPU ms per article (median of {RUNS} runs):\n")
    print(f"  {'load':<34}{'handling':>10}{'rendering':>11}{'total':>8}")
    for batch, name in ((1, "isolated (batches of 1)"), (8, "burst (batches of 8)")):
        profiler = cProfile.Profile(time.process_time) if args.profile and batch > 1 else None
        runs = [run(batch, args.articles, profiler) for _ in range(RUNS)]
        print_row(name, runs)
        if profiler:
            profiler.dump_stats(args.profile)


if __name__ == "__main__":
    main()
