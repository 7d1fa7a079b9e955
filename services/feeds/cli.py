"""Command line of the feeds service: `python -m services.feeds.cli dead-letters`."""

import sys

from services.feeds.bootstrap import runtime
from shared.cli import run_cli

if __name__ == "__main__":
    sys.exit(run_cli(runtime))
