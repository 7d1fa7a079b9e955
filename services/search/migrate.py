"""The search service's schema migrations: `python -m services.search.migrate upgrade` (see
`shared/migrations.py`). The history is in `migrations/`, one file per revision."""

import sys
from pathlib import Path

from services.search.models import SearchTable
from services.search.settings import SearchSettings
from shared.migrations import main
from shared.runtime import with_event_tables

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    metadata = with_event_tables(SearchTable.metadata)
    sys.exit(main("search", SearchSettings().database, metadata, MIGRATIONS))
