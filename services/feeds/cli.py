"""Command line of the feeds service: `python -m services.feeds.cli rebuild`, and the
documents set aside after failed renders: `render-failures` lists them, `retry-render` puts
them back."""

import argparse
import sys

from services.feeds import failures, stale
from services.feeds.bootstrap import Service, bootstrap
from services.feeds.rebuild import rebuild
from services.feeds.tasks import renderer
from shared.cli import Command, run_cli
from shared.errors import Invalid, NotFound


def feed_commands(service: Service, commands: argparse._SubParsersAction
                  ) -> dict[str, Command]:
    runtime, renders, settings = service.runtime, service.renders, service.settings
    commands.add_parser("rebuild", help="rebuild every feed from the posts and comments APIs")
    commands.add_parser("render-failures",
                        help="list the feeds set aside after failing to render")
    retry = commands.add_parser("retry-render", help="render feeds set aside again")
    retry.add_argument("keys", nargs="*", metavar="KEY",
                       help="as `render-failures` lists them, e.g. article:12")
    retry.add_argument("--all", action="store_true", help="every feed set aside")

    def rebuild_(_args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            rebuild(session=session, renders=renders, render=renderer(settings),
                    posts_url=settings.posts_url.rstrip("/"),
                    comments_url=settings.comments_url.rstrip("/"),
                    say=lambda line: print(line, flush=True))

    def list_(_args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            rows = failures.set_aside(session=session)
        for row in rows:
            cause = f"{row.event_type} {row.event_id}".strip() or "no event"
            print(f"{row.key:<32} {row.failed_at:%Y-%m-%d %H:%M:%S}  {row.attempts} attempts  "
                  f"after {cause}  {row.error.splitlines()[0] if row.error else ''}")
        print(f"{len(rows)} feeds set aside after failed renders")

    def retry_(args: argparse.Namespace) -> None:
        if not args.keys and not args.all:
            raise Invalid("name the feeds to retry (KEY …), or --all")
        with runtime.sessions() as session:
            back = stale.put_back(session=session, keys=None if args.all else args.keys)
            session.commit()
        if back:
            renders.schedule()
        for key in back:
            print(f"{key}: queued to render again")
        if missing := sorted(set(args.keys) - set(back)):
            raise NotFound(f"not set aside: {', '.join(missing)}")

    return {"rebuild": rebuild_, "render-failures": list_, "retry-render": retry_}


if __name__ == "__main__":
    service = bootstrap()
    sys.exit(run_cli(service.runtime, extra=lambda commands: feed_commands(service, commands)))
