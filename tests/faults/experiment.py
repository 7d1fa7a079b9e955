"""One measured experiment: a burst, a fault injected while it runs, then the wait for
recovery and the count; and the probe that says whether every worker consumes again."""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.comments.helpers import nic
from tests.faults.burst import Burst
from tests.faults.measure import Count, count, mark, settle
from tests.faults.site import Site

LINGER = 3.0  # seconds to look again after recovery, for a late second copy
PROBE_BOUND = 60.0  # seconds the probe's events may take once a case is over


@dataclass
class Plan:
    """How the suite runs: its randomness, quick or full, the recovery bound."""

    rng: random.Random
    quick: bool
    bound: float

    def kills(self, full: int, quick: int) -> int:
        return quick if self.quick else full


@dataclass
class Trial:
    """A case's outcome."""

    case: str
    counted: Count = field(default_factory=Count)
    recovery: float | None = None
    errors: int = 0  # 5xx answers other than 503
    consuming: bool | None = None  # every worker handled the probe's events afterwards
    notes: list[str] = field(default_factory=list)
    checks_ok: bool = True  # the case's own checks (what went to the dead letters, say)

    @property
    def passed(self) -> bool:
        c = self.counted
        return (self.checks_ok and self.recovery is not None and c.missing == 0
                and c.twice == 0 and c.mails_dup == 0 and c.mails_sent >= c.mails_owed
                and self.errors == 0 and self.consuming is True)


Fault = Callable[[Burst, Trial], float]  # injects while the burst runs; when it ended


def experiment(site: Site, plan: Plan, name: str, fault: Fault, *, replies: int = 50,
               comments: int = 50, seconds: float = 0.0, threads: int = 4) -> Trial:
    """Run a burst with `fault` injected meanwhile; wait for recovery; count."""
    trial = Trial(name)
    since = mark(site)
    burst = Burst(site, plan.rng, replies=replies, comments=comments, seconds=seconds,
                  threads=threads).start()
    try:
        fault_end = fault(burst, trial)
    finally:
        burst.join()
    trial.errors = burst.errors
    if broke := burst.statuses.get(0):
        trial.notes.append(f"{broke} requests broken off (and posted again)")
    trial.counted, trial.recovery = settle(site, since, fault_end, plan.bound)
    time.sleep(LINGER)
    trial.counted = count(site, since)
    return trial


def consuming(site: Site, trial: Trial) -> None:
    """Whether every worker consumes: a new article (comments, feeds) and a reply (feeds,
    notify, an e-mail) are all handled within PROBE_BOUND; a note names those that did not."""
    since = mark(site)
    try:
        site.publish("Probe")
        client = site.stack.client("comments")
        response = client.post(f"/articles/{site.article}/comments", json={
            "nic": nic(), "body": "Probe.", "parent_id": site.parents[0]})
        response.raise_for_status()
    except Exception as exc:
        trial.consuming = False
        trial.notes.append(f"the probe could not be posted: {exc}")
        return
    counted, recovered = settle(site, since, time.monotonic(), PROBE_BOUND)
    trial.consuming = recovered is not None
    if not trial.consuming:
        stuck = ", ".join(sorted(counted.missing_in)) or "notify (no e-mail)"
        trial.notes.append(f"not consuming after the case: {stuck}")
