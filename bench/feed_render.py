"""CPU time of the feeds worker's renders, in process (no broker, no HTTP, a SQLite file):
each round publishes one article into a category of 50 and renders what a publish marks
stale (the category's feed, the site's and the article's comment feed), the way the render
task does. Bodies are prose-like (seeded random words), so gzip works as hard as on real
articles. Prints CPU ms per round (mean, p50, p95) and the stored sizes; compare two versions
by running it in each. Usage: python -m bench.feed_render [--rounds 100]"""

import argparse
import random
import re
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from services.feeds import comment_feeds, feeding
from services.feeds.models import FeedArticle, FeedCategory, FeedDocument, FeedsTable
from services.feeds.settings import FeedsSettings
from shared.db import make_engine

WORDS = re.findall(r"[a-z]{3,}", Path(argparse.__file__).read_text().lower())
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def article(number: int) -> FeedArticle:
    words = random.Random(number).choices(WORDS, k=340)
    body = " ".join(words[40:])
    return FeedArticle(
        article_id=number, slug=f"a{number}", url=f"https://burg.example/a/{number}",
        title=" ".join(words[:8]).title(), category_slug="world", category_name="World",
        posted_by="Bench", summary=" ".join(words[8:40]), body_html=f"<p>{body}</p>",
        published_at=T0 + timedelta(minutes=number), updated_at=T0 + timedelta(minutes=number))


def one_round(session: Session, settings: FeedsSettings, number: int) -> float:
    """CPU seconds to store article `number` and render what its publish marks stale."""
    started = time.process_time()
    session.add(article(number))
    session.commit()
    feeding.render_category(session=session, settings=settings, category_slug="world")
    session.commit()
    feeding.render_site(session=session, settings=settings)
    session.commit()
    comment_feeds.render_article(session=session, settings=settings, article_id=number)
    session.commit()
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="burg-render-") as folder:
        engine = make_engine(f"sqlite:///{folder}/feeds.db")
        FeedsTable.metadata.create_all(engine)
        settings = FeedsSettings(site_url="https://burg.example",
                                 feeds_url="https://burg.example")
        with Session(engine) as session:
            session.add(FeedCategory(slug="world", name="World"))
            for number in range(1, 51):
                session.add(article(number))
            session.commit()
            cold = one_round(session, settings, 51)  # every entry rendered for the first time
            for number in range(52, 62):  # warm: each publish's entries are kept
                one_round(session, settings, number)
            cpu = [one_round(session, settings, number)
                   for number in range(62, 62 + args.rounds)]
            sizes = {doc.path: (len(doc.body), len(doc.body_gzip)) for doc in session.exec(
                select(FeedDocument).where(FeedDocument.path.startswith("categories/")))}
        engine.dispose()
    ms = sorted(c * 1000 for c in cpu)
    print(f"\nfeeds render rounds (publish one article, render its category, the site, its "
          f"comment feed), {args.rounds} rounds:\n")
    print(f"  first round, no entry rendered before  {cold * 1000:7.2f} ms CPU")
    print(f"  a round, mean / p50 / p95              {statistics.mean(ms):7.2f} / "
          f"{ms[len(ms) // 2]:.2f} / {ms[int(len(ms) * 0.95)]:.2f} ms CPU")
    for path, (plain, packed) in sorted(sizes.items()):
        print(f"  {path:<28} {plain:>8,} bytes, gzip {packed:>7,}")


if __name__ == "__main__":
    main()
