"""What every service's command line offers: its dead letters, listed and replayed.

`python -m services.<name>.cli dead-letters` lists the events the service failed to handle
for good; `replay-dead-letters` sends them back to its queue (once the cause is mended).
"""

import argparse
import sys
from collections.abc import Callable

from shared.consumer import replay_dead_letters
from shared.errors import BurgError
from shared.runtime import Runtime

Command = Callable[[argparse.Namespace], object]


def run_cli(runtime: Runtime, argv: list[str] | None = None,
            extra: Callable[[argparse._SubParsersAction], dict[str, Command]] | None = None
            ) -> int:
    """Parse `argv` and run the command; `extra` adds a service's own commands."""
    parser = argparse.ArgumentParser(prog=f"python -m services.{runtime.name}.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    actions: dict[str, Command] = dict(extra(commands)) if extra else {}
    commands.add_parser("dead-letters", help="list events that failed for good")
    commands.add_parser("replay-dead-letters", help="send them back to this service's queue")
    actions["dead-letters"] = lambda _args: _list(runtime)
    actions["replay-dead-letters"] = lambda _args: print(
        f"replayed {replay_dead_letters(runtime.celery, runtime.name, runtime.inbox)} events")
    args = parser.parse_args(argv)
    try:
        actions[args.command](args)
    except BurgError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    return 0


def _list(runtime: Runtime) -> None:
    rows = runtime.inbox.dead_letters_waiting()
    for row in rows:
        print(f"{row['id']:>6}  {row['failed_at']:%Y-%m-%d %H:%M:%S}  {row['type']:<24} "
              f"{row['event_id']}  {row['error']}")
    print(f"{len(rows)} events wait in the dead letters of {runtime.name}")
