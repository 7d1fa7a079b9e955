"""The notify service's schema migrations: `python -m services.notify.migrate upgrade` (see
`shared/migrations.py`). The history is in `migrations/`, one file per revision."""

import sys
from pathlib import Path

from services.notify.models import NotifyTable
from services.notify.settings import NotifySettings
from shared.migrations import main
from shared.runtime import with_event_tables

MIGRATIONS = Path(__file__).parent / "migrations"

if __name__ == "__main__":
    metadata = with_event_tables(NotifyTable.metadata)
    sys.exit(main("notify", NotifySettings().database, metadata, MIGRATIONS))
