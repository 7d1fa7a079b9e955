"""Command line of the comments service: `python -m services.comments.cli dead-letters`,
`import-wordpress FILE.xml`, `import-disqus FILE.xml`, `import-isso FILE.db`,
`import-burg FILE.json` (import_commands.py)."""

import sys

from services.comments.bootstrap import bootstrap
from services.comments.import_commands import import_commands
from shared.cli import run_cli

if __name__ == "__main__":
    runtime = bootstrap().runtime
    sys.exit(run_cli(runtime, extra=lambda commands: import_commands(runtime, commands)))
