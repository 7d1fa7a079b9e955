"""`python -m tests.faults [--only CASE] [--quick]`: run the fault suite, print its table,
exit 1 if any case failed."""

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest

from tests.faults.cases import CASES
from tests.faults.experiment import Plan, Trial, consuming
from tests.faults.measure import duplicate_mails
from tests.faults.site import Site, fault_site
from tests.faults.table import render


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__)
    parser.add_argument("--only", choices=sorted(CASES), action="append",
                        help="run this case only (may be given more than once)")
    parser.add_argument("--quick", action="store_true", help="fewer kills, shorter outages")
    parser.add_argument("--bound", type=float, default=60.0,
                        help="seconds after a fault's end by which every event must be "
                             "handled; whatever is missing then counts as lost (60)")
    parser.add_argument("--seed", type=int, default=None, help="for the random instants")
    parser.add_argument("--keep", action="store_true", help="keep the stacks' folders")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    plan = Plan(rng=random.Random(seed), quick=args.quick, bound=args.bound)
    names = args.only or list(CASES)
    workdir = Path(tempfile.mkdtemp(prefix="burg-faults-"))
    print(f"fault suite: {len(names)} cases, seed {seed}, stacks in {workdir}", flush=True)
    began = time.monotonic()
    trials: list[Trial] = []
    duplicates = 0
    try:
        pending = list(names)
        while pending:  # a stack per run of cases; a fresh one after a case broke it
            with fault_site(workdir / f"stack{len(trials)}") as site:
                while pending:
                    trial = run_case(site, plan, pending.pop(0))
                    trials.append(trial)
                    print(render([trial]).splitlines()[2], flush=True)
                    if not trial.consuming:
                        break
                if late := duplicate_mails(site):
                    duplicates += late
                    print(f"!! {late} duplicate e-mails in this stack's whole mail sink",
                          flush=True)
    finally:
        print(f"\n{render(trials)}\n\n{len(trials)} cases in "
              f"{time.monotonic() - began:.0f} s (seed {seed}); duplicate e-mails over the "
              f"whole run: {duplicates}", flush=True)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if trials and all(t.passed for t in trials) and not duplicates else 1


def run_case(site: Site, plan: Plan, name: str) -> Trial:
    """One case, then the probe; a case that raised is a failed trial with the reason."""
    print(f"-- {name}: {CASES[name].about}", flush=True)
    try:
        trial = CASES[name].run(site, plan)
    except (Exception, pytest.fail.Exception) as exc:
        traceback.print_exc()
        trial = Trial(name, checks_ok=False, notes=[f"raised {type(exc).__name__}: {exc}"])
    consuming(site, trial)
    return trial


if __name__ == "__main__":
    sys.exit(main())
