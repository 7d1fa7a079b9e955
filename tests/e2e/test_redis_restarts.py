"""A Burg whose Redis goes away and comes back, whose queues get garbage, and whose processes
die: its own stack, on a Redis of its own that the tests stop and start again."""

import base64
import json
import re
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import pytest
from redis import Redis, RedisError

from shared.celery_app import make_celery
from shared.embedded_redis import EmbeddedRedis
from shared.settings import Settings
from tests.comments.helpers import nic, open_article, post
from tests.conftest import STACK_ENV, Stack, running_stack, wait_for
from tests.databases import as_json
from tests.feeds.helpers import entry_id, shows
from tests.garbage import GARBAGE, GARBAGE_TYPES, push_garbage
from tests.shared.helpers import message_event_ids, queued_event_ids

CONSUMERS = ("comments", "notify", "feeds")
SHOWN = 10  # missing events a failure describes


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, broker: EmbeddedRedis) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("blips"), broker.url, STACK_ENV) as running:
        yield running


def dead_letter_types(site: Stack, service: str) -> list[str]:
    return [row[0] for row in site.sql(service, "SELECT type FROM dead_letter")]


def cli(site: Stack, service: str, command: str) -> str:
    return subprocess.run([sys.executable, "-m", f"services.{service}.cli", command],
                          env=site.env, check=True, capture_output=True, text=True).stdout


def test_garbage_on_every_queue_is_dead_lettered_and_the_workers_go_on(
        site: Stack, broker: EmbeddedRedis) -> None:
    for queue in CONSUMERS:
        push_garbage(broker.url, queue)
    for queue in CONSUMERS:
        def buried(queue: str = queue) -> bool:
            return len(dead_letter_types(site, queue)) >= GARBAGE

        wait_for(buried, what=f"the garbage in the dead letters of {queue}")
        assert set(dead_letter_types(site, queue)) == GARBAGE_TYPES
        listed = cli(site, queue, "dead-letters")
        assert f"{GARBAGE} events wait" in listed and "nosuch.task" in listed
    # Every worker still consumes: an article (comments, feeds), a comment (feeds) and a
    # request for reply e-mail (notify, which sends the confirmation).
    article = open_article(site)
    address = f"after-garbage-{uuid.uuid4().hex[:8]}@example.org"
    posted = post(site.client("comments"), article, "Still here", email=address,
                  notify_replies=True)
    wait_for(lambda: shows(site, f"articles/{article}/comments",
                           entry_id(posted["comment"]["id"])), what="the comment in its feed")
    site.confirmation_link(address)
    # Replayed, each message goes back on its queue as it was; still garbage, it comes back.
    assert f"replayed {GARBAGE} events" in cli(site, "notify", "replay-dead-letters")
    wait_for(lambda: len(dead_letter_types(site, "notify")) == 2 * GARBAGE,
             what="the replayed garbage back in the dead letters")


def missing_from_feeds(site: Stack, comment_ids: list[int]) -> dict[str, int]:
    """The comment.created events of these comments that the feeds service has not handled
    (event id, or "no event", → comment id)."""
    events = {as_json(raw)["data"]["comment_id"]: event_id for event_id, raw in site.sql(
        "comments", "SELECT event_id, envelope FROM outbox WHERE type = 'comment.created'")}
    handled = {row[0] for row in site.sql("feeds", "SELECT event_id FROM inbox")}
    return {events.get(c, f"no event for comment {c}"): c for c in comment_ids
            if events.get(c) not in handled}


def event_id(raw: bytes | str) -> str | None:
    """The id of the event a Celery task message on a queue (or in `unacked`) carries."""
    try:
        message = json.loads(raw)
        message = message[0] if isinstance(message, list) else message  # unacked: [msg, …]
        args = json.loads(base64.b64decode(message["body"]))[0]
        return str(args[0]["id"]) if args and isinstance(args[0], dict) else None
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def where_they_are(site: Stack, broker: EmbeddedRedis, stopped_at: datetime,
                   missing: dict[str, int]) -> str:
    """For a failure: each missing event's outbox row and whether Redis still holds it (on
    the feeds queue, or taken by a worker and not acknowledged); the feeds worker's last
    warnings. An event sent but in neither place was taken off the queue by a worker's BRPOP
    that Redis served as it stopped, before the worker could record it as unacknowledged."""
    try:
        client = Redis.from_url(broker.url, socket_timeout=5)
        queued = {event_id(item) for item in client.lrange("feeds", 0, -1)}
        held = {event_id(item) for item in client.hvals("unacked")}
        redis = f"{len(queued)} on the feeds queue, {len(held)} unacknowledged"
    except RedisError as exc:
        queued, held, redis = set(), set(), f"Redis unreachable: {exc}"
    lines = [f"{len(missing)} events missing; Redis was stopped at {stopped_at:%H:%M:%S.%f} UTC;"
             f" now {redis}; its data is in {broker.directory}:"]
    for event, comment in list(missing.items())[:SHOWN]:
        rows = site.sql("comments", "SELECT sent_at, attempts, last_error FROM outbox"
                        " WHERE event_id = :event", event=event)
        if not rows or rows[0][0] is None:
            place = "not sent (yet)" if rows else "no such event stored"
        else:
            place = ("on the feeds queue" if event in queued else
                     "unacknowledged" if event in held else "neither queued nor unacknowledged")
        lines.append(f"  comment {comment}: event {event}, outbox (sent, attempts, error) "
                     f"{rows}: {place}")
    if len(missing) > SHOWN:
        lines.append(f"  and {len(missing) - SHOWN} more")
    log = (site.data_dir / "devserver.log").read_text(errors="replace").splitlines()
    worker = [line for line in log if line.split("|")[0].strip().endswith("feeds-worker")
              and re.search(r" (WARNING|ERROR|CRITICAL) (?!py\.warnings)|Restoring|Connected to",
                            line)]
    return "\n".join([*lines, "The feeds worker's last warnings:", *worker[-20:]])


def test_garbage_on_the_queue_of_a_service_that_consumes_no_events_is_kept_too(
        site: Stack, broker: EmbeddedRedis) -> None:
    push_garbage(broker.url, "posts", own_task="nosuch.task")  # posts has no task of its own
    wait_for(lambda: len(dead_letter_types(site, "posts")) >= GARBAGE,
             what="the garbage in the dead letters of posts")
    assert set(dead_letter_types(site, "posts")) == GARBAGE_TYPES
    assert f"{GARBAGE} events wait" in cli(site, "posts", "dead-letters")


def pids(log: Path, process: str) -> list[int]:
    return [int(p) for p in re.findall(rf"{process} started \(pid=(\d+)\)", log.read_text())]


def test_make_run_restarts_a_process_that_died(site: Stack) -> None:
    log = site.data_dir / "devserver.log"
    [first] = pids(log, "feeds-worker")  # the shell honcho started it with
    [worker] = [p for p in psutil.Process(first).children() if "celery" in p.cmdline()]
    worker.kill()  # the worker's main process, as an out-of-memory kill would
    wait_for(lambda: len(pids(log, "feeds-worker")) == 2, what="the feeds worker restarted")
    text = log.read_text()
    assert "feeds-worker exited unexpectedly (rc=137); restarting it" in text
    assert "sending SIGTERM" not in text  # nothing else was stopped
    article = open_article(site)
    posted = post(site.client("comments"), article, "After the restart")
    wait_for(lambda: shows(site, f"articles/{article}/comments",
                           entry_id(posted["comment"]["id"])), what="the comment in its feed")


def test_no_5xx_while_redis_restarts_and_every_comment_reaches_the_feeds(
        site: Stack, broker: EmbeddedRedis) -> None:
    article = open_article(site)
    answers: list[tuple[int, int | None]] = []  # (status, comment id)
    stop = threading.Event()

    def post_comments() -> None:
        with site.client("comments") as client:
            while not stop.is_set():
                try:
                    response = client.post(f"/articles/{article}/comments",
                                           json={"nic": nic(), "body": "During the blip"})
                except httpx.TransportError:  # the API broke off: as bad as a 500
                    answers.append((0, None))
                    continue
                comment_id = response.json()["comment"]["id"] if response.status_code == 201 \
                    else None
                if response.status_code == 503:
                    assert response.headers.get("Retry-After"), response.headers
                answers.append((response.status_code, comment_id))

    poster = threading.Thread(target=post_comments)
    poster.start()
    try:
        wait_for(lambda: len(answers) >= 3, what="comments before the outage")
        stopped_at = datetime.now(UTC)
        broker.stop()
        during = len(answers)
        wait_for(lambda: len(answers) >= during + 10, what="comments during the outage")
        # Pages still render without Redis.
        assert site.client("site").get("/").status_code == 200
        assert site.client("comments").get(f"/articles/{article}/comments").status_code == 200
        broker.start()
        after = len(answers)
        wait_for(lambda: len(answers) >= after + 3, what="comments after the outage")
    finally:
        stop.set()
        poster.join(timeout=60)
    statuses = {status for status, _ in answers}
    assert statuses <= {201, 503}, answers
    stored = [comment_id for _, comment_id in answers if comment_id is not None]
    wait_for(lambda: not missing_from_feeds(site, stored), timeout=120,
             what="every stored comment's event in the feeds",
             explain=lambda: where_they_are(site, broker, stopped_at,
                                            missing_from_feeds(site, stored)))
    for service in CONSUMERS:  # a blip is no reason to give up on an event
        assert set(dead_letter_types(site, service)) <= GARBAGE_TYPES
    # And the workers consume again: a new comment reaches its feed.
    posted = post(site.client("comments"), article, "After the outage")
    wait_for(lambda: shows(site, f"articles/{article}/comments",
                           entry_id(posted["comment"]["id"])), what="the comment in its feed")
    assert httpx.get(f"{site.urls['comments']}/readyz").status_code == 200


def test_an_event_lost_between_the_queue_and_the_worker_is_sent_again(
        site: Stack, broker: EmbeddedRedis) -> None:
    """A worker killed between taking a message off its queue and recording it as
    unacknowledged loses it for good as far as Redis knows; its producer sends it again
    because no consumer confirmed it (here: the feeds worker stops consuming, and the
    comment's event is taken off its queue by hand)."""
    control = make_celery("feeds", Settings(), broker.url).control
    feeds_worker = [f"feeds@{socket.gethostname()}"]  # only it: others would start taking
    client = Redis.from_url(broker.url)
    article = open_article(site)
    assert control.cancel_consumer("feeds", reply=True, destination=feeds_worker)
    try:
        posted = post(site.client("comments"), article, "Lost on its way")
        event_id = next(event_id for event_id, raw in site.sql(
            "comments", "SELECT event_id, envelope FROM outbox WHERE type = 'comment.created'")
            if as_json(raw)["data"]["comment_id"] == posted["comment"]["id"])
        wait_for(lambda: event_id in queued_event_ids(client, "feeds"),
                 what="the event waiting in the feeds queue")
        [lost] = [raw for raw in client.lrange("feeds", 0, -1)
                  if message_event_ids(raw) == [event_id]]
        assert client.lrem("feeds", 1, lost) == 1  # taken off the queue, never handled
    finally:
        assert control.add_consumer("feeds", reply=True, destination=feeds_worker)
    wait_for(lambda: site.sql("feeds", "SELECT 1 FROM inbox WHERE event_id = :id", id=event_id),
             what="the event sent again and handled")
    [(resends,)] = site.sql("comments", "SELECT resends FROM outbox WHERE event_id = :id",
                            id=event_id)
    assert resends == 1
    wait_for(lambda: shows(site, f"articles/{article}/comments",
                           entry_id(posted["comment"]["id"])), what="the comment in its feed")
