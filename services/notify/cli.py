"""Command line of the notify service: `python -m services.notify.cli failed-sends`."""

import argparse
import sys

from services.notify.bootstrap import deliveries, runtime
from shared.cli import Command, run_cli


def send_commands(commands: argparse._SubParsersAction) -> dict[str, Command]:
    commands.add_parser("failed-sends", help="list e-mails that failed for good")
    retry = commands.add_parser("retry-sends", help="send failed e-mails again")
    retry.add_argument("keys", nargs="*", help="their keys (default: every failed e-mail)")

    def list_(_args: argparse.Namespace) -> None:
        failed = deliveries.failed()
        for delivery in failed:
            print(f"{delivery.created_at:%Y-%m-%d %H:%M:%S}  {delivery.key:<40} "
                  f"{delivery.attempts:>2} attempts  {delivery.last_error}")
        print(f"{len(failed)} e-mails failed for good")

    def retry_(args: argparse.Namespace) -> None:
        print(f"{deliveries.retry(args.keys or None)} e-mails will be sent again")

    return {"failed-sends": list_, "retry-sends": retry_}


if __name__ == "__main__":
    sys.exit(run_cli(runtime, extra=send_commands))
