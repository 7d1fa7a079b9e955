"""Command line of the notify service: `python -m services.notify.cli dead-letters`."""

import sys

from services.notify.bootstrap import runtime
from shared.cli import run_cli

if __name__ == "__main__":
    sys.exit(run_cli(runtime))
