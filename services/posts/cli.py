"""Command line of the posts service: `python -m services.posts.cli create-editor NIC`."""

import argparse
import sys

from services.posts.bootstrap import runtime
from services.posts.editors import create_editor, revoke_editor
from shared.errors import BurgError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.posts.cli")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-editor", help="create an editor and print its token")
    create.add_argument("nic")
    create.add_argument("--rotate", action="store_true",
                        help="if the editor exists, give it a new token")
    revoke = commands.add_parser("revoke-editor", help="make an editor's token stop working")
    revoke.add_argument("nic")
    args = parser.parse_args(argv)
    try:
        with runtime.sessions() as session:
            if args.command == "create-editor":
                print(create_editor(session=session, nic=args.nic, rotate=args.rotate))
            else:
                revoke_editor(session=session, nic=args.nic)
    except BurgError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
