"""Render rounds: one task renders every stale document (stale.py) once, after the commit
that marked them, coalescing a burst of changes into few rounds; one round at a time across
all workers (a lease in Redis), so that an older rendering never lands after a newer one.
While a round runs, further changes keep their documents stale, and one round follows."""

import logging
import math
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import redis
from celery import Celery
from celery.exceptions import SoftTimeLimitExceeded
from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, col

from services.feeds import failures
from services.feeds.lease import Lease
from services.feeds.models import FeedRenderFailure, FeedStale
from services.feeds.stale import MARKED, due
from shared.db import after_commit
from shared.events import utcnow

log = logging.getLogger(__name__)

TASK = "feeds.render_stale"
PENDING_FOR = 60  # seconds a "render task queued" flag lives, should its task be lost
# A render round starts at least MIN_GAP seconds after the last one ended, and in a burst it
# waits behind the events queued before it, at most MAX_DEFER after the oldest change it is
# to show. An idle worker renders at once. A round of a category's feed and the site's costs
# a few ms now that entries are kept as fragments: these bound a burst's rounds to a few a
# second of worker time, and what a change in a burst waits for its round to about a tenth of
# a second (a second at most under sustained load: SUSTAINED_DEFER).
MIN_GAP = 0.05
MAX_DEFER = timedelta(seconds=0.1)
# Under sustained load (a round that had to be forced behind BACKLOG queued messages or more),
# each round asks the next to wait twice as long behind them, up to SUSTAINED_DEFER seconds; a
# round with fewer queued starts over at MAX_DEFER. (Fewer: a publish's own few messages, or
# the render task itself, which waits in the queue while the worker is busy, are no load.)
# A burst still sees its feeds within a tenth of a second; under a stream of events, a round's
# cost (its queries, and each document joined, compressed and stored again) was most of the
# worker's time per event: once a second, it is a small part. A lone change after the stream
# renders when the queue is empty, at once.
SUSTAINED_DEFER = 1.0
BACKLOG = 10
# Only comments stretch the wait so: a round that shows a published (or changed) article, a
# category's feed or the site's being stale, stays due MAX_DEFER behind queued events however
# long the backlog (publishes are few, and each is read in its feed at once). It leaves the
# stretch where it was for the rounds after it. Which documents these are, and how long the
# rounds after such a change are prompt (a flag in Redis, for the render task that comes
# later; the rounds due meanwhile show it, and comments lose their stretch that long only):
PROMPT = ("site", "category:")
PROMPT_FOR = 2
# A document that shows comments (an article's comment feed, the latest comments) rendered
# less than COMMENT_PACE seconds ago by this process, and marked stale again by a comment
# event, waits until then: under a stream of comments it renders twice a second, however
# short the queue, where each round after MIN_GAP rendered it again (its feed joined,
# compressed and stored in three forms) for the few comments since. A comment after a quiet
# spell shows at once, and the last of a stream within COMMENT_PACE; category feeds and the
# site's, and whatever an article event marked, never wait for it.
COMMENT_PACE = 0.5
# And after a round the worker renders nothing for REST times as long as the round took: when
# renders are slow (a loaded machine, a long feed) a burst still spends at most a quarter of
# the worker on them, and the rest on the events it is behind on.
REST = 3
LEFTOVER = timedelta(seconds=5)  # stale this long: its render task was lost
# The render lock is a lease of RENDER_LEASE seconds, renewed every RENEW_EVERY while a round
# runs: a worker killed mid-render frees it within RENDER_LEASE.
RENDER_LEASE = 5.0
RENEW_EVERY = 1.0
# At most one render task waits for a round under way: a flag holds its token, and outlives
# the task's due time by WAITING_SLACK seconds, should the task be lost with its worker.
WAITING_SLACK = 2
# The flag holds when the queued render task is due: a change that wants a round sooner (the
# queue has emptied: a lone change after a stream) queues one that is, and the flag takes its
# time. A task due at most MIN_GAP later than wanted will do.
_QUEUE_IF_SOONER = ("local due = redis.call('get', KEYS[1]) "
                    "if due and tonumber(due) <= tonumber(ARGV[1]) + tonumber(ARGV[3]) "
                    "then return 0 end "
                    "redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1")
_DELETE_IF_OURS = ("if redis.call('get', KEYS[1]) == ARGV[1] then "
                   "return redis.call('del', KEYS[1]) end return 0")


class StaleRenders:
    """Queues the render task after a commit that marked documents stale, and runs it."""

    def __init__(self, *, celery: Celery, sessions: sessionmaker[Any], redis_url: str,
                 flag: str, attempts: int = 5, clock: Callable[[], float] = time.time) -> None:
        self.celery, self.sessions, self.flag = celery, sessions, flag
        # The time kept in Redis (when a round ended, when a render task is due), which
        # every worker reads: seconds since the epoch; a test's clock stands still instead.
        self.clock = clock
        self.attempts = attempts  # failed renders of a document before it is set aside
        # A round renders for at most half the render task's soft time limit, then leaves the
        # rest to the next task: a long backlog never meets the limit (which would count as
        # a failed render) nor holds a stopping worker past its grace period.
        self.round_seconds = (celery.conf.task_soft_time_limit or 50) / 2
        self.redis = redis.Redis.from_url(redis_url)
        self.waiting = f"{flag}:waiting"  # a render task waits for the round under way
        self._queue_if_sooner = self.redis.register_script(_QUEUE_IF_SOONER)
        # When this process last rendered each comment-driven document (time.monotonic()),
        # for COMMENT_PACE; only those rendered within it are kept.
        self._rendered: dict[str, float] = {}

    def watch(self, render: Callable[[Session, str], None] | None = None) -> None:
        """After each commit that marked documents stale, make sure a render task is queued;
        with `render` (a worker's), render them right there when nothing waits (`soon`)."""
        after_commit(self.sessions, MARKED,
                     lambda keys: self.soon(render, keys) if render else self.schedule())

    def soon(self, render: Callable[[Session, str], None], keys: list[str] | None = None,
             queue: str = "feeds") -> None:
        """Render now, in the task that marked the documents, if a round is due (`_due_in`):
        at once on an idle worker (no task queued behind it: a second trip through the broker
        would only add its latency) once the last round's gap is over, and behind queued
        events once their defer is over too (the render task would wait behind them all).
        Else make sure a render task comes when the round is due; it coalesces a burst.
        `keys`: the documents just marked stale; one of PROMPT makes the round prompt."""
        try:
            wait, defer = self._due_in(queue, prompt=any(
                key.startswith(PROMPT) for key in keys or ()))
        except Exception as exc:  # Redis is away: the periodic round renders them
            log.warning("feeds: could not look at the queue: %s", exc)
            return
        if wait > 0:
            self.schedule(wait)
            return
        try:
            # Marks that may all be waiting out their pace: the round looks first.
            paced = bool(keys) and all(key in self._rendered for key in keys or ())
            self.render_all(render, defer=defer, marked=not paced)
        except Exception:  # the task's time ran out, or the database is away: a task retries
            log.exception("feeds: rendering after the change failed")
            self.schedule()

    def schedule(self, countdown: float | None = None) -> None:
        """Queue one render task, unless one is queued that is due as soon. It runs at once,
        or, if a round is not due yet (`_due_in`), once it is: a burst of events then costs a
        few rounds a second, not one per event."""
        try:
            if countdown is None:
                countdown = self._due_in()[0]
            if self._queue_if_sooner(keys=[self.flag],
                                     args=[self.clock() + countdown, PENDING_FOR, MIN_GAP]):
                self.celery.send_task(TASK, queue="feeds", countdown=countdown or None)
        except Exception as exc:  # the worker's periodic round renders them anyway
            log.warning("feeds: could not queue a render: %s", exc)

    def run_task(self, render: Callable[[Session, str], None], queue: str = "feeds") -> int:
        """The render task: a round if one is due, else this task again when it is (events
        keep coming and a round ran meanwhile, in the task of one of them); the flag then
        stays set, for the task is still queued."""
        wait, defer = self._due_in(queue)
        if wait > 0:
            self.redis.set(self.flag, self.clock() + wait, ex=PENDING_FOR)
            self.celery.send_task(TASK, queue=queue, countdown=wait)
            return 0
        self.redis.delete(self.flag)  # this task has started: changes queue the next one
        return self.render_all(render, defer=defer)

    def render_leftovers(self, render: Callable[[Session, str], None]) -> int:
        """The worker's periodic safety net: render what a lost render task left stale."""
        now = utcnow()
        with self.sessions() as session:
            left = session.execute(select(col(FeedStale.key)).where(
                col(FeedStale.since) < now - LEFTOVER, due(now)).limit(1)).first()
        return self.render_all(render) if left else 0

    def render_all(self, render: Callable[[Session, str], None], *, wait: float = 0,
                   defer: float = MAX_DEFER.total_seconds(), marked: bool = False) -> int:
        """Render every stale document with `render(session, key)`; return how many.

        One round at a time across all workers (a lease in Redis, renewed while the round
        runs): two rounds at once could store an older rendering after a newer one. A worker
        that finds the lock taken leaves the work to the round under way and to the one
        waiting retry (`_wait_for_round`), or, with `wait`, waits that many seconds for its
        turn. `defer`: what the next round waits behind queued events (`_due_in`).
        A round that finds nothing to render leaves no trace (no lease, no time of its own);
        `marked`: the caller has just committed marks, so it does not look first.
        """
        if not marked:
            with self.sessions() as session:
                stale = session.execute(_DUE, {"now": utcnow()}).all()
            paced = self._paced(stale)
            if len(paced) == len(stale):  # nothing, or only comment feeds within their pace
                if paced:
                    self.schedule(min(paced.values()))
                return 0
        lease = Lease(self.redis, f"{self.flag}:lock", seconds=RENDER_LEASE,
                      renew_every=RENEW_EVERY)
        if not lease.acquire(wait):
            self._wait_for_round()
            return 0
        left_over, paced, started = False, {}, time.monotonic()
        try:
            done, left_over, paced = self._render_all(render, lease)
            return done
        finally:
            try:
                gap = max(MIN_GAP, REST * (time.monotonic() - started))
                ended = self.redis.pipeline(transaction=False)
                ended.set(f"{self.flag}:last-round", self.clock(), ex=PENDING_FOR)
                ended.set(f"{self.flag}:gap", gap, ex=PENDING_FOR)
                ended.set(f"{self.flag}:defer", defer, ex=PENDING_FOR)
                ended.execute()
            finally:
                # Even when Redis is away: else the lease's thread, which outlives blips,
                # renews it once Redis is back, for a round long over, and no round runs again.
                lease.release()
            if left_over or self.redis.exists(self.waiting):
                self.schedule()  # changes came during the round, or some were left: now
            elif paced:
                self.schedule(min(paced.values()))  # once the first one's pace is over

    def _due_in(self, queue: str = "feeds", *, prompt: bool = False) -> tuple[float, float]:
        """(seconds until a round is due, what the round then asks the next to wait behind
        queued events), from one round trip to Redis. With the queue empty, a round is due
        once the last one's gap is over (MIN_GAP, or REST times the round), and the next
        waits MAX_DEFER behind events; with a few queued, once MAX_DEFER is over too; with a
        BACKLOG, once the defer that the last round asked for is over, and the next waits
        twice that (SUSTAINED_DEFER at most). A prompt round (`prompt`: one of PROMPT was
        marked stale, now or in the last PROMPT_FOR seconds) is due as with a few queued, and
        the next waits what this one would have."""
        ask = self.redis.pipeline(transaction=False)
        if prompt:
            ask.set(f"{self.flag}:prompt", 1, ex=PROMPT_FOR)
        ask.mget(f"{self.flag}:last-round", f"{self.flag}:gap", f"{self.flag}:defer",
                 f"{self.flag}:prompt")
        ask.llen(queue)
        (last, gap, defer, prompted), queued = ask.execute()[-2:]
        since = self.clock() - float(last or 0)
        gap, least = max(MIN_GAP, float(gap or 0)), MAX_DEFER.total_seconds()
        if not queued:
            return max(0.0, gap - since), least
        if queued < BACKLOG:
            return max(0.0, gap - since, least - since), least
        defer = min(SUSTAINED_DEFER, max(least, float(defer or 0)))
        if prompted:
            return max(0.0, gap - since, least - since), defer
        return max(0.0, gap - since, defer - since), min(SUSTAINED_DEFER, 2 * defer)

    def stop_waiting(self, token: str) -> None:
        """The waiting retry with this token has started: another task may wait now."""
        if token:
            self.redis.eval(_DELETE_IF_OURS, 1, self.waiting, token)

    def _wait_for_round(self) -> None:
        """The round under way may have read before the latest changes, and its worker may
        die holding the lease: one task comes back when the lease would run out unrenewed
        (a live round hands over sooner, when it ends). Every other task that finds the lock
        taken leaves it at that, so waiting rounds never pile up in the queue."""
        remaining = self.redis.pttl(f"{self.flag}:lock") / 1000
        countdown = min(max(remaining, 0.1), RENDER_LEASE)
        token = uuid.uuid4().hex
        if self.redis.set(self.waiting, token, nx=True,
                          ex=math.ceil(countdown) + WAITING_SLACK):
            self.celery.send_task(TASK, queue="feeds", countdown=countdown,
                                  kwargs={"waiting": token})

    def _paced(self, stale: Sequence[Any]) -> dict[str, float]:
        """Of the stale rows `stale` (key, event type, ...), the comment-driven documents a
        comment marked that this process rendered less than COMMENT_PACE ago: the seconds
        each has left to wait."""
        now = time.monotonic()
        self._rendered = {key: at for key, at in self._rendered.items()
                          if at > now - COMMENT_PACE}
        return {row[0]: self._rendered[row[0]] + COMMENT_PACE - now for row in stale
                if row[0] in self._rendered and row[1].startswith("comment.")}

    def _render_all(self, render: Callable[[Session, str], None],
                    lease: Lease) -> tuple[int, bool, dict[str, float]]:
        """(documents rendered, whether the round ran out of time with some left, those
        left to wait for their pace with the seconds each has left: `_paced`)."""
        with self.sessions() as session:
            stale = session.execute(_STALE, {"now": utcnow()}).all()
        paced = self._paced(stale)
        done, started = 0, time.monotonic()
        for key, _, version, set_aside in stale:
            if key in paced:
                continue
            if not lease.held:  # another round may be under way: leave the rest to it
                break
            if time.monotonic() - started > self.round_seconds:  # the rest: in the next round
                return done, True, paced
            # The version is read before the read model: a change committed later raises it,
            # the delete below then misses, and the document stays stale for the next round.
            try:
                with self.sessions() as session:
                    render(session, key)
                    if not lease.held:  # an older rendering must not land after a newer one
                        break
                    session.execute(_RENDERED, {"done": key, "at_version": version})
                    if set_aside:
                        failures.rendered(session, key)
                    session.commit()
                done += 1
                if key == "comments" or key.startswith("article:"):
                    self._rendered[key] = time.monotonic()
            except (OperationalError, SoftTimeLimitExceeded):
                raise  # the database is away, or time ran out: not this document's fault
            except Exception as exc:  # this document only: the others still render
                failures.record(self.sessions, key, version, exc, self.attempts)
        return done, False, paced


# Built once, on the table rather than the model (no ORM delete looking through the
# session's objects): a publish's round ran these few statements, and building them cost as
# much.
_STALE_ROWS = FeedStale.__table__  # type: ignore[attr-defined]
_DUE = select(_STALE_ROWS.c.key, _STALE_ROWS.c.event_type).where(due(bindparam("now")))
_FAILED = FeedRenderFailure.__table__  # type: ignore[attr-defined]
# With whether each is set aside (failures.py): a render clears that, and most are not.
_STALE = select(_STALE_ROWS.c.key, _STALE_ROWS.c.event_type, _STALE_ROWS.c.version,
               _FAILED.c.key.is_not(None)).select_from(
    _STALE_ROWS.outerjoin(_FAILED, _FAILED.c.key == _STALE_ROWS.c.key)).where(
    due(bindparam("now"))).order_by(_STALE_ROWS.c.since)
_RENDERED = delete(_STALE_ROWS).where(_STALE_ROWS.c.key == bindparam("done"),
                                      _STALE_ROWS.c.version == bindparam("at_version"))
