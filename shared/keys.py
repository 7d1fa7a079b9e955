"""Secrets a laptop's `make run` keeps in its data folder when none is configured."""

import os
import secrets
import time
from pathlib import Path


def local_key(path: Path, setting: str) -> str:
    """The key in `path`, made (readable by this user only) by whichever process came first;
    RuntimeError naming `setting` if it stays empty, OSError if it can be neither read nor
    made (a read-only container, say: there, `setting` must be set)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):  # the first process may still be writing it
            if key := path.read_text().strip():
                return key
            time.sleep(0.05)
        raise RuntimeError(f"{path} stays empty: delete it, or set {setting}") from None
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
