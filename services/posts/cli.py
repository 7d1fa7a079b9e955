"""Command line of the posts service: `python -m services.posts.cli create-editor NIC`."""

import argparse
import sys

from services.posts.bootstrap import bootstrap
from services.posts.editors import create_editor, revoke_editor
from shared.cli import Command, run_cli
from shared.runtime import Runtime


def editor_commands(runtime: Runtime, commands: argparse._SubParsersAction
                    ) -> dict[str, Command]:
    create = commands.add_parser("create-editor", help="create an editor and print its token")
    create.add_argument("nic")
    create.add_argument("--rotate", action="store_true",
                        help="if the editor exists, give it a new token")
    create.add_argument("--admin", action="store_true",
                        help="the editor may create, rotate and revoke other editors' tokens")
    revoke = commands.add_parser("revoke-editor", help="make an editor's token stop working")
    revoke.add_argument("nic")

    def create_(args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            print(create_editor(session=session, outbox=runtime.outbox, nic=args.nic,
                                rotate=args.rotate, can_manage_editors=args.admin))

    def revoke_(args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            revoke_editor(session=session, outbox=runtime.outbox, nic=args.nic)

    return {"create-editor": create_, "revoke-editor": revoke_}


if __name__ == "__main__":
    runtime = bootstrap().runtime
    sys.exit(run_cli(runtime, extra=lambda commands: editor_commands(runtime, commands)))
