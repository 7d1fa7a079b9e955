"""A bench module run alone (`python -m bench.<module>`): a Burg of its own in a temporary
folder, on `BURG_REDIS_URL`'s Redis if set (else an embedded one), stopped when done."""

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devserver.launch import Launched, launch


@contextmanager
def burg_alone(env: dict[str, str] | None = None) -> Iterator[tuple[Launched, Path]]:
    """A running Burg (without demo content; `env` added to its processes' environment)
    and its data folder."""
    with tempfile.TemporaryDirectory(prefix="burg-bench-") as folder:
        burg = launch(Path(folder), os.environ.get("BURG_REDIS_URL"), demo=False,
                      env=env)
        try:
            yield burg, Path(folder)
        finally:
            burg.stop()
