"""The composition roots are functions: importing a service's `bootstrap.py` or `api.py`, or
the web's `app.py`, wires nothing (no database, no Redis, no logging), and `bootstrap()`
takes settings of its caller's choosing."""

import subprocess
import sys
from pathlib import Path

from services.comments.settings import CommentsSettings
from shared.runtime import overridden

MODULES = [f"services.{name}.{module}" for name in ("posts", "comments", "notify", "feeds")
           for module in ("bootstrap", "api")] + ["services.web.app"]


def test_importing_a_composition_root_wires_nothing(tmp_path: Path) -> None:
    """With no Redis and no database to be had, each module still imports (wiring one would
    stop the process), and the root logger keeps its handlers."""
    check = ("import importlib, logging; before = list(logging.getLogger().handlers); "
             f"[importlib.import_module(m) for m in {MODULES!r}]; "
             "assert logging.getLogger().handlers == before")
    env = {"BURG_DATA_DIR": str(tmp_path), "BURG_REDIS_URL": "redis://127.0.0.1:9/0",
           "BURG_POSTS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/none"}
    done = subprocess.run([sys.executable, "-c", check], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert not list(tmp_path.iterdir())  # not even a SQLite file


def test_overrides_set_settings_fields_by_name() -> None:
    given = CommentsSettings(rate_per_ip=7)
    changed = overridden(CommentsSettings, given, {"premoderation": True,
                                                   "data_dir": "elsewhere"})
    assert changed.premoderation and changed.rate_per_ip == 7
    assert changed.data_dir == Path("elsewhere")  # validated as the environment's would be
    assert overridden(CommentsSettings, given, {}) is given
    assert overridden(CommentsSettings, None, {"rate_per_ip": 3}).rate_per_ip == 3
