"""Command line of the posts service: `python -m services.posts.cli create-editor NIC`,
`revoke-editor NIC`, `editor-right NIC --give|--take`, `import-wordpress FILE.xml --editor
NIC`, `import-burg FILE.json --editor NIC`."""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from services.posts import burg_json
from services.posts.bootstrap import Service, bootstrap
from services.posts.editors import create_editor, revoke_editor, set_right
from services.posts.importing import import_records, import_wordpress
from shared.cli import Command, run_cli
from shared.importing import Summary
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
    right = commands.add_parser("editor-right", help="give an editor the right to manage "
                                "editors (--give), or take it away (--take)")
    right.add_argument("nic")
    change = right.add_mutually_exclusive_group(required=True)
    change.add_argument("--give", action="store_true")
    change.add_argument("--take", action="store_true")

    def create_(args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            print(create_editor(session=session, outbox=runtime.outbox, nic=args.nic,
                                rotate=args.rotate, can_manage_editors=args.admin))

    def revoke_(args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            revoke_editor(session=session, outbox=runtime.outbox, nic=args.nic)

    def right_(args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            set_right(session=session, nic=args.nic, can_manage_editors=args.give)

    return {"create-editor": create_, "revoke-editor": revoke_, "editor-right": right_}


def import_commands(service: Service, commands: argparse._SubParsersAction
                    ) -> dict[str, Command]:
    wordpress = commands.add_parser(
        "import-wordpress", help="import the categories and published posts of a WordPress "
        "export (WXR); run again, it skips what it imported and continues where it stopped")
    wordpress.add_argument("file", type=Path, help="the export file (Tools → Export)")
    burg = commands.add_parser(
        "import-burg", help="import the categories and articles of a Burg export (JSON, "
        "python -m services.web.export --format json); run again, it continues")
    burg.add_argument("file", type=Path, help="the export file (FILE.json)")
    for parser in (wordpress, burg):
        parser.add_argument("--editor", required=True,
                            help="the nic of the editor the articles are filed under")

    def wordpress_(args: argparse.Namespace) -> None:
        _interruptible(lambda summary: import_wordpress(
            sessions=service.runtime.sessions, outbox=service.runtime.outbox,
            settings=service.settings, path=args.file, editor_nic=args.editor,
            summary=summary))

    def burg_(args: argparse.Namespace) -> None:
        _interruptible(lambda summary: import_records(
            sessions=service.runtime.sessions, outbox=service.runtime.outbox,
            settings=service.settings, source=burg_json.SOURCE,
            read=lambda: burg_json.read_burg(args.file, summary), editor_nic=args.editor,
            summary=summary))

    return {"import-wordpress": wordpress_, "import-burg": burg_}


def _interruptible(run: Callable[[Summary], object]) -> None:
    """Run an import and print its summary; stopped (Ctrl-C), print what it did so far."""
    summary = Summary()
    try:
        run(summary)
    except KeyboardInterrupt:
        summary.print()
        print("stopped: the same command continues where this one stopped", file=sys.stderr)
        raise SystemExit(130) from None
    summary.print()


def commands(service: Service, parsers: argparse._SubParsersAction) -> dict[str, Command]:
    """Every command of the posts service (beside the dead letters every service has)."""
    return editor_commands(service.runtime, parsers) | import_commands(service, parsers)


if __name__ == "__main__":
    service = bootstrap()
    sys.exit(run_cli(service.runtime, extra=lambda parsers: commands(service, parsers)))
