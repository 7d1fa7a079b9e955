"""The import commands of the comments service: `import-wordpress FILE.xml`,
`import-disqus FILE.xml`, `import-isso FILE.db`, `import-burg FILE.json`: one per format in
FORMATS (a reader of `sources/` and a line here).

Each reads its file with its reader, imports the threads with `importing.import_threads`
(a progress bar on stderr), and prints the summary; exit code 0. A file that cannot be read,
or is not of its format, is an error (exit code 1, one line): what was imported before the
error stays, and the command, run again on the mended file, goes on from there.
"""

import argparse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from services.comments.importing import import_threads
from services.comments.sources import SourceThread, burg_json, disqus, isso, wordpress
from shared.cli import Command
from shared.importing import Summary, progress
from shared.runtime import Runtime


@dataclass(frozen=True)
class Format:
    """A format comments are imported from."""

    command: str  # "import-wordpress"
    source: str  # the records' namespace (ImportedRecord.source): never change it
    help: str
    file: str  # what the file argument is, as the help names it
    # The threads of the file; comments it leaves out itself counted in the summary.
    read: Callable[[Path, Summary], Iterable[SourceThread]]
    # How many threads the file holds (for the progress bar's total), if it can tell.
    count: Callable[[Path], int | None] | None = None


FORMATS = [
    Format("import-wordpress", wordpress.SOURCE, "import the approved comments of a "
           "WordPress export (WXR), once its articles are imported", "FILE.xml",
           wordpress.read, wordpress.count),
    Format("import-disqus", disqus.SOURCE, "import the comments of a Disqus export (XML), "
           "once the articles they were on are imported", "FILE.xml",
           disqus.read_disqus, disqus.count),
    Format("import-isso", isso.SOURCE, "import the comments of an Isso database (SQLite, "
           "read only), once the articles they were on are imported", "FILE.db",
           isso.read_isso, isso.count),
    Format("import-burg", burg_json.SOURCE, "import the comments of a Burg export (JSON), "
           "once its articles are imported (the posts service's import-burg)", "FILE.json",
           burg_json.read, burg_json.count),
]


def import_commands(runtime: Runtime, commands: argparse._SubParsersAction
                    ) -> dict[str, Command]:
    """A command per format of FORMATS."""
    actions: dict[str, Command] = {}
    for format_ in FORMATS:
        parser = commands.add_parser(format_.command, help=format_.help)
        parser.add_argument("file", type=Path, metavar=format_.file)
        actions[format_.command] = _action(runtime, format_)
    return actions


def _action(runtime: Runtime, format_: Format) -> Command:
    def run(args: argparse.Namespace) -> None:
        summary = run_import(runtime, format_, args.file)
        summary.print()
    return run


def run_import(runtime: Runtime, format_: Format, path: Path) -> Summary:
    """Import the comments of `path` in `format_`; the summary of what was done."""
    summary = Summary()
    threads = format_.read(path, summary)
    total = format_.count(path) if format_.count else None
    import_threads(runtime.sessions, runtime.outbox, source=format_.source,
                   threads=progress(threads, "threads", total=total or None), summary=summary)
    return summary
