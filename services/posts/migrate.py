"""The posts service's schema migrations: `python -m services.posts.migrate upgrade` (see
`shared/migrations.py`). The history is in `migrations/`, one file per revision."""

import sys
from pathlib import Path

from services.posts.models import PostsTable
from services.posts.settings import PostsSettings
from shared.migrations import main
from shared.runtime import with_event_tables

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    metadata = with_event_tables(PostsTable.metadata)
    sys.exit(main("posts", PostsSettings().database, metadata, MIGRATIONS))
