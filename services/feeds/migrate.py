"""The feeds service's schema migrations: `python -m services.feeds.migrate upgrade` (see
`shared/migrations.py`). The history is in `migrations/`, one file per revision."""

import sys
from pathlib import Path

from services.feeds.models import FeedsTable
from services.feeds.settings import FeedsSettings
from shared.migrations import main
from shared.runtime import with_event_tables

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    metadata = with_event_tables(FeedsTable.metadata)
    sys.exit(main("feeds", FeedsSettings().database, metadata, MIGRATIONS))
