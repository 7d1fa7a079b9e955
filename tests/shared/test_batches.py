"""Batches of events in one message, taken by a real worker (tests/shared/crashy_worker.py) on
a real Redis and a real SQLite file: each event applied once and confirmed, whatever else its
batch holds — a copy, an event that fails for good, one that must wait, a blip, a crash."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from redis import Redis

from shared.celery_app import make_celery
from shared.consumer import MAX_DELIVERIES
from shared.embedded_redis import EmbeddedRedis
from shared.events import ArticleRetracted, Envelope
from shared.settings import Settings
from tests.conftest import wait_for
from tests.databases import database_url
from tests.shared.helpers import crashy_worker, rows

POISON = 13  # the article whose event kills the worker child (see crashy_worker.py)
BLIP = 21  # the one whose event meets a Redis restarting, twice
FAULTY = 31  # the one whose event fails for good
LATER = 33  # and the one whose event must wait, twice


@dataclass
class Crashy:
    celery: Celery
    db: str
    redis: Redis

    def send(self, *envelopes: dict[str, Any]) -> None:
        """One message: a batch, or (a single envelope) the task every version knows."""
        if len(envelopes) == 1:
            self.celery.send_task("crashy.handle_event", args=[envelopes[0]], queue="crashy")
        else:
            self.celery.send_task("crashy.handle_events", args=[list(envelopes)],
                                  queue="crashy")

    def handled(self, *article_ids: int) -> list[int]:
        """The handled rows of these articles, one entry per row."""
        return sorted(article for (article,) in rows(self.db, "SELECT article_id FROM handled")
                      if article in article_ids)

    def confirmed(self, envelope: dict[str, Any]) -> bool:
        return self.redis.get(f"burg:confirmed:test:crashy:{envelope['id']}") == b"done"

    def buried(self) -> dict[str, str]:
        return dict(rows(self.db, "SELECT event_id, error FROM dead_letter"))


def event(article_id: int) -> dict[str, Any]:
    return Envelope.wrap(ArticleRetracted(article_id=article_id, category_slug="c"),
                         producer="test").model_dump(mode="json")


@pytest.fixture(scope="module")
def crashy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crashy]:
    """One worker for the tests that do not kill it (each on articles of its own)."""
    tmp_path = tmp_path_factory.mktemp("crashy")
    redis = EmbeddedRedis(tmp_path / "redis").start()
    worker = crashy_worker(tmp_path, redis)
    try:
        wait_for(lambda: " ready." in (tmp_path / "worker.log").read_text(), timeout=120,
                 what="the worker to start")
        yield Crashy(make_celery("crashy", Settings(), redis.url),
                     database_url(tmp_path, "crashy"), Redis.from_url(redis.url))
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()


def test_a_batch_applies_each_event_once_skipping_copies(crashy: Crashy) -> None:
    before = event(101)
    crashy.send(before)
    wait_for(lambda: crashy.handled(101), timeout=60, what="the single event handled")
    batch = [before, event(102), event(103)]
    crashy.send(batch[0], batch[1], batch[2], batch[1])  # one handled before, one twice
    wait_for(lambda: all(crashy.confirmed(e) for e in batch[1:]), timeout=60,
             what="the batch confirmed")
    assert crashy.handled(101, 102, 103) == [101, 102, 103]
    assert crashy.confirmed(before)


def test_an_event_that_fails_for_good_is_buried_and_its_batch_goes_on(crashy: Crashy) -> None:
    batch = [event(201), event(FAULTY), event(202)]
    crashy.send(*batch)
    wait_for(lambda: all(crashy.confirmed(e) for e in batch), timeout=60,
             what="every event of the batch confirmed, the failed one too")
    assert crashy.handled(201, FAULTY, 202) == [201, 202]
    assert "ValueError" in crashy.buried()[batch[1]["id"]]


def test_an_event_that_must_wait_retries_and_the_others_are_applied_once(
        crashy: Crashy) -> None:
    """The batch's transaction fails (RetryLater): its events go one by one, the waiting one
    retries alone; what the failed transaction had applied was rolled back, not doubled."""
    batch = [event(301), event(LATER), event(302)]
    crashy.send(*batch)
    wait_for(lambda: all(crashy.confirmed(e) for e in batch), timeout=60,
             what="every event of the batch handled and confirmed")
    assert crashy.handled(301, LATER, 302) == sorted([301, LATER, 302])
    assert batch[1]["id"] not in crashy.buried()


def test_a_batch_that_meets_a_blip_is_tried_again_and_applied_once(crashy: Crashy) -> None:
    batch = [event(401), event(BLIP), event(402)]
    crashy.send(*batch)
    wait_for(lambda: all(crashy.confirmed(e) for e in batch), timeout=60,
             what="the batch handled after the blips")
    assert crashy.handled(401, BLIP, 402) == sorted([401, BLIP, 402])


def test_a_message_of_one_event_from_before_batches_is_still_handled(crashy: Crashy) -> None:
    single = event(501)
    crashy.send(single)
    wait_for(lambda: crashy.confirmed(single), timeout=60, what="the single event confirmed")
    assert crashy.handled(501) == [501]


def test_what_is_no_event_in_a_batch_is_buried_and_the_rest_applied(crashy: Crashy) -> None:
    good = event(701)
    crashy.celery.send_task("crashy.handle_events", args=[["no envelope", good]], queue="crashy")
    wait_for(lambda: crashy.confirmed(good), timeout=60, what="the event confirmed")
    assert crashy.handled(701) == [701]
    assert "not an event envelope" in crashy.buried().values()


def test_a_batch_whose_event_kills_the_worker_splits_and_buries_only_that_one(
        tmp_path: Path) -> None:
    """The killed pool child's batch comes back; its events then go on alone, and only the
    one that kills every child taking it ends in the dead letters."""
    redis = EmbeddedRedis(tmp_path / "redis").start()
    worker = crashy_worker(tmp_path, redis)
    try:
        crashy = Crashy(make_celery("crashy", Settings(), redis.url),
                        database_url(tmp_path, "crashy"), Redis.from_url(redis.url))
        batch = [event(601), event(POISON), event(602)]
        crashy.send(*batch)
        buried = wait_for(crashy.buried, timeout=180, what="the poison event buried")
        assert list(buried) == [batch[1]["id"]]
        assert f"delivered {MAX_DELIVERIES + 1} times" in buried[batch[1]["id"]]
        wait_for(lambda: crashy.handled(601, 602) == [601, 602], timeout=60,
                 what="the others handled")
        assert all(crashy.confirmed(e) for e in batch)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        redis.stop()
