"""Cases that kill processes mid-burst: worker pool children, worker main processes (the
supervisor starts them again), a warm shutdown, and API processes right after commits."""

import signal
import time
from collections.abc import Callable

import psutil

from tests.faults.burst import Burst
from tests.faults.experiment import Plan, Trial, experiment
from tests.faults.site import Site
from tests.faults.waiting import until

KILLED = ("feeds", "notify")  # the workers a burst keeps busy


def child_kill(site: Site, plan: Plan) -> Trial:
    """SIGKILL a pool child of the feeds or the notify worker at 12 random instants (4 with
    --quick) of a burst spread over 30 s (12 s); the worker forks a new one."""
    kills = plan.kills(12, 4)
    window = 12.0 if plan.quick else 30.0

    def fault(burst: Burst, trial: Trial) -> float:
        done = 0
        for instant in sorted(plan.rng.uniform(0, window) for _ in range(kills)):
            time.sleep(max(0.0, burst.started + instant - time.monotonic()))
            children = _pool(site, plan.rng.choice(KILLED))
            if children:
                _kill(plan.rng.choice(children))
                done += 1
        trial.notes.append(f"{done} pool children killed")
        until(lambda: all((w := site.worker(s)) and w[1] for s in KILLED), 60)
        return time.monotonic()

    return experiment(site, plan, "child-kill", fault, seconds=window)


def main_kill(site: Site, plan: Plan) -> Trial:
    """SIGKILL the main process of the feeds or the notify worker at 10 random instants (3
    with --quick) of a burst spread over 40 s (15 s); the supervisor starts it again."""
    kills = plan.kills(10, 3)
    window = 15.0 if plan.quick else 40.0
    orphans: list[psutil.Process] = []

    def fault(burst: Burst, trial: Trial) -> float:
        done = 0
        for instant in sorted(plan.rng.uniform(0, window) for _ in range(kills)):
            time.sleep(max(0.0, burst.started + instant - time.monotonic()))
            service = plan.rng.choice(KILLED)
            if not _ready(site, service):
                continue
            main, children = site.worker(service) or (None, [])
            if main is not None:
                orphans.extend(children)
                _kill(main)
                done += 1
        trial.notes.append(f"{done} worker main processes killed")
        up = all(_ready(site, s) for s in KILLED)
        if not up:
            trial.notes.append("a killed worker did not come back within 120 s")
        return time.monotonic()

    trial = experiment(site, plan, "main-kill", fault, seconds=window)
    _end(orphans, trial)
    return trial


def sigterm(site: Site, plan: Plan) -> Trial:
    """SIGTERM (a warm shutdown, as a deploy does) to the feeds and the notify worker, each
    once a random number of the burst's comments are in; the supervisor starts each again."""

    def fault(burst: Burst, trial: Trial) -> float:
        for service, posted in sorted(((s, plan.rng.randint(5, 40)) for s in KILLED),
                                      key=lambda pair: pair[1]):
            until(_posted(burst, posted), 60)
            found = site.worker(service)
            if found:
                found[0].send_signal(signal.SIGTERM)
        for service in KILLED:
            if not _ready(site, service):
                trial.notes.append(f"{service} worker did not come back within 120 s")
        return time.monotonic()

    return experiment(site, plan, "sigterm", fault)


def _posted(burst: Burst, count: int) -> Callable[[], bool]:
    return lambda: len(burst.created) >= count


def _ready(site: Site, service: str, timeout: float = 120.0) -> bool:
    """Wait until `service`'s worker runs and said it is ready since it last started."""
    def up() -> bool:
        found = site.worker(service)
        if not found or not found[1]:
            return False
        ready = site.log.read().ready[service]
        started = len(site.log.started.get(f"{service}-worker", []))
        return ready >= started
    return until(up, timeout) is True


def _pool(site: Site, service: str) -> list[psutil.Process]:
    """The worker's pool children (waiting up to 30 s for one, while it is being replaced)."""
    def children() -> list[psutil.Process]:
        found = site.worker(service)
        return found[1] if found else []
    return until(children, 30) or []


def _kill(process: psutil.Process) -> None:
    try:
        process.send_signal(signal.SIGKILL)
    except psutil.NoSuchProcess:
        pass


def _end(orphans: list[psutil.Process], trial: Trial) -> None:
    """End the pool children a killed main process left behind (ours, by pid)."""
    alive = []
    for process in orphans:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                process.send_signal(signal.SIGKILL)
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    if alive:
        trial.notes.append(f"{len(alive)} orphaned pool children were still running")


def api_kill(site: Site, plan: Plan) -> Trial:
    """SIGKILL one of the comments API's two processes right after it answered 201 (its
    commit done, its relay perhaps not), 6 times (2 with --quick) in a burst spread over
    25 s (10 s); uvicorn starts it again."""
    kills = plan.kills(6, 2)
    window = 10.0 if plan.quick else 25.0

    def fault(burst: Burst, trial: Trial) -> float:
        done = 0
        for _ in range(kills):
            time.sleep(plan.rng.uniform(0.0, window / kills / 2))
            serving = until(lambda: len(w := site.api_workers("comments")) >= 2 and w, 60)
            if not serving:
                trial.notes.append("the comments API did not get back to 2 processes in 60 s")
                break
            created = burst.next_created()
            if not created.wait(30):
                break  # the burst is over
            _kill(plan.rng.choice(serving))
            done += 1
        trial.notes.append(f"{done} comments API processes killed right after a 201")
        until(lambda: len(site.api_workers("comments")) >= 2, 60)
        return time.monotonic()

    return experiment(site, plan, "api-kill", fault, seconds=window, threads=6)
