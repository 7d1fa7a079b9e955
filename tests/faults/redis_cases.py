"""Cases where Redis goes away: stopped (SIGTERM: it writes its append-only file out) or
killed (SIGKILL: with `appendfsync everysec`, up to a second of writes may be gone) while
comments are being published, and restarted while tasks wait in the queues (the workers
frozen) or while the workers are busy."""

import signal
import time

from redis import Redis

from tests.faults.burst import Burst
from tests.faults.experiment import Plan, Trial, experiment
from tests.faults.site import CONSUMERS, Site
from tests.faults.waiting import until

DOWN = 3.0  # seconds Redis stays away


def redis_stop(site: Site, plan: Plan) -> Trial:
    """SIGTERM Redis at a random instant of a burst, start it again 3 s later."""
    return _outage(site, plan, "redis-stop", kill=False)


def redis_kill(site: Site, plan: Plan) -> Trial:
    """SIGKILL Redis (appendfsync everysec) at a random instant of a burst, start it again
    3 s later from its append-only file."""
    return _outage(site, plan, "redis-kill", kill=True)


def _outage(site: Site, plan: Plan, name: str, *, kill: bool) -> Trial:
    def fault(burst: Burst, trial: Trial) -> float:
        posted = plan.rng.randint(5, 40)  # comments created before Redis goes
        until(lambda: len(burst.created) >= posted, 60)
        return site.restart_redis(kill=kill, down=DOWN)

    return experiment(site, plan, name, fault)


def redis_queued(site: Site, plan: Plan) -> Trial:
    """Freeze the workers (SIGSTOP), post a burst (its tasks wait in the queues), restart
    Redis (SIGTERM), let the workers go on (SIGCONT)."""

    def fault(burst: Burst, trial: Trial) -> float:
        try:
            burst.join()
            client = Redis.from_url(site.broker.url)
            queued = sum(int(client.llen(queue)) for queue in CONSUMERS)
            trial.notes.append(f"{queued} tasks queued at the restart")
            client.close()
            site.restart_redis(kill=False, down=DOWN)
        finally:
            site.signal_workers(CONSUMERS, signal.SIGCONT)
        return time.monotonic()

    site.signal_workers(CONSUMERS, signal.SIGSTOP)
    try:
        return experiment(site, plan, "redis-queued", fault)
    finally:
        site.signal_workers(CONSUMERS, signal.SIGCONT)  # whatever happened meanwhile


def redis_busy(site: Site, plan: Plan) -> Trial:
    """Restart Redis (SIGTERM) while the workers are working through a burst."""

    def fault(burst: Burst, trial: Trial) -> float:
        log = site.log.read()
        before = sum(log.handled.values())
        until(lambda: sum(site.log.read().handled.values()) >= before + 20, 60)
        return site.restart_redis(kill=False, down=DOWN)

    return experiment(site, plan, "redis-busy", fault)
