"""The comments service's schema migrations: `python -m services.comments.migrate upgrade` (see
`shared/migrations.py`). The history is in `migrations/`, one file per revision."""

import sys
from pathlib import Path

from services.comments.models import CommentsTable
from services.comments.settings import CommentsSettings
from shared.migrations import main
from shared.runtime import with_event_tables

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    metadata = with_event_tables(CommentsTable.metadata)
    sys.exit(main("comments", CommentsSettings().database, metadata, MIGRATIONS))
