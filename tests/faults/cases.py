"""The cases, by name, in the order the suite runs them; each injects one kind of fault
into a burst (see `experiment.py`) and returns its trial."""

from collections.abc import Callable
from dataclasses import dataclass

from tests.faults import kills
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
}
