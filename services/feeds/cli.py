"""Command line of the feeds service: `python -m services.feeds.cli rebuild`."""

import argparse
import sys

from services.feeds.bootstrap import renders, runtime, settings
from services.feeds.rebuild import rebuild
from services.feeds.tasks import render
from shared.cli import Command, run_cli


def feed_commands(commands: argparse._SubParsersAction) -> dict[str, Command]:
    commands.add_parser("rebuild", help="rebuild every feed from the posts and comments APIs")

    def rebuild_(_args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            rebuild(session=session, renders=renders, render=render,
                    posts_url=settings.posts_url.rstrip("/"),
                    comments_url=settings.comments_url.rstrip("/"),
                    say=lambda line: print(line, flush=True))

    return {"rebuild": rebuild_}


if __name__ == "__main__":
    sys.exit(run_cli(runtime, extra=feed_commands))
