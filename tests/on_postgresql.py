"""`python -m tests.on_postgresql [pytest args]`: the whole suite again, on PostgreSQL.

`make test` runs it after the SQLite pass. Without a PostgreSQL server at
`BURG_TEST_POSTGRES_URL` (a new laptop has none) it says so and skips, unless
`BURG_CI=1` (as in .ci/run), where a missing server fails the run."""

import os
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from tests.databases import ADMIN_URL


def main() -> int:
    try:
        with create_engine(ADMIN_URL).connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        print(f"No PostgreSQL at {ADMIN_URL} ({exc.orig}).", file=sys.stderr)
        if os.environ.get("BURG_CI") == "1":
            return 1
        print("Skipped the PostgreSQL pass: set BURG_TEST_POSTGRES_URL to run it.",
              file=sys.stderr)
        return 0
    print(f"The suite again, on PostgreSQL at {ADMIN_URL}:", flush=True)
    os.environ["BURG_TEST_DATABASE"] = "postgresql"
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
