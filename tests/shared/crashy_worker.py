"""A tiny consumer for crash tests (`celery -A tests.shared.crashy_worker worker -Q crashy`):
its handler kills its own pool child on the "poison" event (article 13), takes its time
over article 7, meets a Redis that is restarting with article 21 (twice, then it works),
stops Redis for good with article 23 (and waits for it, in vain), fails for good with article
31, and finds a prerequisite missing with article 33 (twice, then it works)."""

import logging
import os
import signal
import time

import redis
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy import Column, Integer, MetaData, Table, insert
from sqlmodel import Session

from shared.events import ArticleRetracted
from shared.inbox import RetryLater
from shared.runtime import build_runtime
from shared.settings import ServiceSettings

POISON = 13
SLOW = 7  # the article id whose event takes three seconds
BLIP = 21  # the article id whose event fails as Redis restarts, twice
OUTAGE = 23  # the article id whose event stops Redis and cannot be handled without it
FAULTY = 31  # the article id whose event fails for good
LATER = 33  # the article id whose event must wait for something, twice
later = [RetryLater("article 33 is not here yet") for _ in range(2)]
blips = [redis.ConnectionError("Connection refused"),
         BrokerError("Error 111 connecting to 127.0.0.1. Connection refused.")]
log = logging.getLogger(__name__)


class CrashySettings(ServiceSettings):
    service = "crashy"


metadata = MetaData()
handled = Table("handled", metadata, Column("article_id", Integer, nullable=False))


def handle(session: Session, event: ArticleRetracted) -> None:
    if event.article_id == POISON:
        os.kill(os.getpid(), signal.SIGKILL)  # dies mid-task, as an out-of-memory kill would
    if event.article_id == BLIP and blips:
        raise blips.pop()
    if event.article_id == OUTAGE:
        try:
            redis.Redis.from_url(os.environ["BURG_REDIS_URL"]).shutdown(nosave=True)
        except redis.RedisError:
            pass  # stopped already
        raise redis.ConnectionError("Redis is away")
    if event.article_id == FAULTY:
        raise ValueError("article 31 cannot be handled")
    if event.article_id == LATER and later:
        raise later.pop()
    if event.article_id == SLOW:
        log.warning("slow event: started")
        time.sleep(3)  # long enough to be stopped halfway
    session.execute(insert(handled).values(article_id=event.article_id))


runtime = build_runtime(CrashySettings(), metadata)
runtime.consume({"article.retracted": handle})
runtime.start_worker_duties()
app = runtime.celery
if os.environ.get("CRASHY_FINISH_ON_CONNECTION_LOSS"):
    # A task goes on when the connection drops (it is not cancelled): what the outage test
    # needs to reach the retry that cannot be sent.
    app.conf.worker_cancel_long_running_tasks_on_connection_loss = False
