"""Command line of the comments service: `python -m services.comments.cli dead-letters`."""

import sys

from services.comments.bootstrap import bootstrap
from shared.cli import run_cli

if __name__ == "__main__":
    sys.exit(run_cli(bootstrap().runtime))
