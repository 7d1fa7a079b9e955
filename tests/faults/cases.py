"""The cases, by name, in the order the suite runs them; each injects one kind of fault
into a burst (see `experiment.py`) and returns its trial."""

from collections.abc import Callable
from dataclasses import dataclass

from tests.faults import kills, mail_cases, message_cases, redis_cases
from tests.faults.experiment import Plan, Trial
from tests.faults.site import Site


@dataclass
class Case:
    run: Callable[[Site, Plan], Trial]

    @property
    def about(self) -> str:
        """The case's docstring, on one line (the README's list is made of these)."""
        return " ".join((self.run.__doc__ or "").split())


CASES: dict[str, Case] = {
    "child-kill": Case(kills.child_kill),
    "main-kill": Case(kills.main_kill),
    "sigterm": Case(kills.sigterm),
    "api-kill": Case(kills.api_kill),
    "redis-stop": Case(redis_cases.redis_stop),
    "redis-kill": Case(redis_cases.redis_kill),
    "redis-queued": Case(redis_cases.redis_queued),
    "redis-busy": Case(redis_cases.redis_busy),
    "smtp-down": Case(mail_cases.smtp_down),
    "smtp-slow": Case(mail_cases.smtp_slow),
    "triple": Case(message_cases.triple),
    "poison": Case(message_cases.poison),
    "garbage": Case(message_cases.garbage),
}
