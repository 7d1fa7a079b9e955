"""Command line of the search service: `python -m services.search.cli rebuild` replaces the
index with what the posts and comments APIs publish; `search WORDS…` tries a query."""

import argparse
import sys

from services.search.bootstrap import Service, bootstrap
from services.search.rebuild import rebuild
from services.search.searching import search
from shared.cli import Command, run_cli


def search_commands(service: Service, commands: argparse._SubParsersAction
                    ) -> dict[str, Command]:
    runtime, settings = service.runtime, service.settings
    commands.add_parser("rebuild", help="rebuild the index from the posts and comments APIs")
    query = commands.add_parser("search", help="print a page of results")
    query.add_argument("words", nargs="+")
    query.add_argument("--order", choices=("newest", "relevant"), default="relevant")

    def rebuild_(_args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            rebuild(session=session, posts_url=settings.posts_url.rstrip("/"),
                    comments_url=settings.comments_url.rstrip("/"),
                    say=lambda line: print(line, flush=True))
        service.version.raise_()  # the API's kept pages are of the old index

    def search_(args: argparse.Namespace) -> None:
        with runtime.sessions() as session:
            found = search(session=session, settings=settings, q=" ".join(args.words),
                           order=args.order, page=1)
        for hit in found.results:
            print(f"{hit.published_at:%Y-%m-%d} {hit.kind:<7} {hit.id:>7}  {hit.title}  "
                  f"({hit.nic})\n    {hit.snippet_html}")

    return {"rebuild": rebuild_, "search": search_}


if __name__ == "__main__":
    service = bootstrap()
    sys.exit(run_cli(service.runtime, extra=lambda commands: search_commands(service, commands)))
