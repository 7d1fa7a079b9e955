"""Cases where the mail server fails: away for a minute, or answering a byte at a time."""

import time
from collections.abc import Callable

from tests.faults.burst import Burst
from tests.faults.experiment import Plan, Trial, experiment
from tests.faults.site import Site


def smtp_down(site: Site, plan: Plan) -> Trial:
    """The SMTP server refuses connections for 60 s (20 s with --quick) from the start of a
    burst, then is back."""
    return _mail_fault(site, plan, "smtp-down", site.gate.down, 20.0 if plan.quick else 60.0)


def smtp_slow(site: Site, plan: Plan) -> Trial:
    """The SMTP server answers a byte a second, never finishing its greeting, for 30 s (15 s
    with --quick) from the start of a burst, then answers normally."""
    return _mail_fault(site, plan, "smtp-slow", site.gate.slow, 15.0 if plan.quick else 30.0)


def _mail_fault(site: Site, plan: Plan, name: str, start: Callable[[], None],
                seconds: float) -> Trial:
    def fault(burst: Burst, trial: Trial) -> float:
        slowed = site.gate.slowed
        start()
        try:
            time.sleep(max(0.0, burst.started + seconds - time.monotonic()))
        finally:
            site.gate.open()
        if site.gate.slowed > slowed:
            trial.notes.append(f"{site.gate.slowed - slowed} SMTP connections answered slowly")
        return time.monotonic()

    return experiment(site, plan, name, fault)
