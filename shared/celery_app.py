"""The Celery app factory: one app per service, consuming only its own queue.

Producers never import a consumer's code: an event reaches a service as the task
`<service>.handle_event` sent by name onto the queue `<service>` (see `outbox.py`).
"""

import logging
import threading
from collections.abc import Callable

from celery import Celery, bootsteps
from kombu import Exchange, Queue

from shared.settings import Settings

log = logging.getLogger(__name__)


# Seconds a worker needs to stop beyond its longest task: handing its held messages back to
# Redis, closing connections, the pool's exit. A container's grace period (docker-compose.yml,
# deploy/k8s/) is its worker's stop budget plus this.
STOP_MARGIN = 15


def time_limits(settings: Settings) -> tuple[int, int]:
    """A task's (hard, soft) time limits in seconds: `task_time_limit` and 5/6 of it, both
    at most half the visibility timeout."""
    hard = max(2, min(settings.task_time_limit, settings.visibility_timeout // 2))
    return hard, max(1, hard * 5 // 6)


def make_celery(service: str, settings: Settings, broker_url: str) -> Celery:
    """A Celery app for `service` with Burg's reliability settings (the reasons: beside each
    one, and in docs/architecture.md, "Celery settings and why")."""
    timeout = settings.visibility_timeout
    app = Celery(service, broker=broker_url, set_as_current=False)
    app.conf.update(
        # Celery's default per-queue exchange: never several queues on one exchange and
        # routing key, or a restored message is duplicated into the siblings (celery#4091).
        task_queues=[Queue(service, Exchange(service), routing_key=service)],
        task_default_queue=service,
        task_serializer="json",  # events are plain JSON: no pickle from the network
        accept_content=["json"],
        task_ignore_result=True,  # nobody waits for results; effects live in databases
        result_backend=None,
        task_acks_late=True,  # ack after the task ran: a crash mid-task means redelivery
        task_reject_on_worker_lost=True,  # a killed pool child requeues its task at once
        worker_prefetch_multiplier=1,  # hold one unacked task: less to redeliver, fair spread
        # The timeout only takes effect if set in all three places (celery#7651).
        broker_transport_options={"visibility_timeout": timeout, "socket_connect_timeout": 5},
        result_backend_transport_options={"visibility_timeout": timeout},
        visibility_timeout=timeout,
        # A task running past the visibility timeout is delivered twice, and one running past
        # the grace period of a stopping container is killed: stop it long before either.
        task_time_limit=time_limits(settings)[0],
        task_soft_time_limit=time_limits(settings)[1],
        # kombu's Redis transport and Celery's consumer, except that a message a worker cannot
        # read goes to the dead letters and a lost connection never ends the worker
        # (shared/broker.py).
        broker_transport="shared.broker:Transport",
        worker_consumer="shared.broker:BurgConsumer",
        # A worker started before Redis answers keeps trying rather than exiting; said
        # explicitly, as Celery warns that from 6.0 broker_connection_retry will not cover it.
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # the default (100) gives up for good
        # A task running when the broker connection drops is left to finish: a task only
        # changes its service's database, in one transaction with its inbox row, so its
        # redelivered copy finds that row and does nothing. Cancelling it would kill a pool
        # child halfway through its work on every Redis blip. Effects outside the database
        # are never tasks (notify's e-mail goes out from its own sending threads).
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_hijack_root_logger=False,  # shared/observability.py sets up the logging
        enable_utc=True,  # every time in Burg is UTC
    )
    return app


def run_periodically_in_worker(app: Celery, every: float, job: Callable[[], object]) -> None:
    """Run `job` every `every` seconds in a thread of each worker's main process."""

    class PeriodicJob(bootsteps.StartStopStep):
        def __init__(self, worker: object, **kwargs: object) -> None:
            self.stopping = threading.Event()
            self.thread: threading.Thread | None = None

        def start(self, worker: object) -> None:
            self.thread = threading.Thread(target=self.loop, name="burg-periodic", daemon=True)
            self.thread.start()

        def loop(self) -> None:
            while not self.stopping.wait(every):
                try:
                    job()
                except Exception:  # keep sweeping: the next round may succeed
                    log.exception("periodic job failed")

        def stop(self, worker: object) -> None:
            self.stopping.set()
            if self.thread is not None:
                self.thread.join(timeout=every + 5)

    app.steps["worker"].add(PeriodicJob)
