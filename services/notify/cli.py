"""Command line of the notify service: `python -m services.notify.cli failed-sends`, and
`unsubscribe-mail`, which a mail server pipes the mailto: unsubscribe messages into."""

import argparse
import sys

from services.notify import inbound, subscriptions
from services.notify.bootstrap import Service, bootstrap
from services.notify.tokens import BadToken
from shared.cli import Command, run_cli


def send_commands(service: Service, commands: argparse._SubParsersAction
                  ) -> dict[str, Command]:
    upkeep = service.upkeep
    commands.add_parser("failed-sends", help="list e-mails that failed for good")
    retry = commands.add_parser("retry-sends", help="send failed e-mails again")
    retry.add_argument("keys", nargs="*", help="their keys (default: every failed e-mail)")

    def list_(_args: argparse.Namespace) -> None:
        failed = upkeep.failed()
        for delivery in failed:
            print(f"{delivery.created_at:%Y-%m-%d %H:%M:%S}  {delivery.key:<40} "
                  f"{delivery.attempts:>2} attempts  {delivery.last_error}")
        print(f"{len(failed)} e-mails failed for good")

    def retry_(args: argparse.Namespace) -> None:
        print(f"{upkeep.retry(args.keys or None)} e-mails will be sent again")

    commands.add_parser("unsubscribe-mail", help="unsubscribe by the e-mail on standard input "
                                                 "(the mailto: form of List-Unsubscribe)")

    def unsubscribe_mail(_args: argparse.Namespace) -> None:
        # Exit 0 whatever the message holds: a mail server would bounce a failure to the
        # sender, who may be forged. What happened is printed (never the address).
        token = inbound.token_in(sys.stdin.buffer.read(inbound.MAX_BYTES + 1))
        if token is None:
            print("ignored: no unsubscribe token in the message")
            return
        try:
            with service.runtime.sessions() as session:
                address = subscriptions.unsubscribe(session=session, tokens=service.tokens,
                                                    token=token)
        except BadToken as exc:
            print(f"ignored: {exc.detail}")
            return
        print(f"unsubscribed address {address.id}")

    return {"failed-sends": list_, "retry-sends": retry_, "unsubscribe-mail": unsubscribe_mail}


if __name__ == "__main__":
    service = bootstrap()
    sys.exit(run_cli(service.runtime, extra=lambda commands: send_commands(service, commands)))
