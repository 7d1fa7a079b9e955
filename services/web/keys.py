"""The keys that sign the site's CSRF tokens: configured, or made once on this machine."""

import os
import secrets
import time
from pathlib import Path

from services.web.settings import WebSettings

MIN_KEY_CHARS = 32  # a key anyone could guess signs tokens anyone could make


class NoKey(RuntimeError):
    """No usable key: the message says what to set."""


def secret_keys(settings: WebSettings) -> list[str]:
    """`BURG_WEB_SECRET_KEYS` (newest last), or the key in `<data_dir>/web-secret.key`, made
    by whichever process came first. Refuses short keys and the placeholders of the deploy
    examples, so that no site runs on a key everyone can read."""
    configured = [k.strip() for k in settings.secret_keys.split(",") if k.strip()]
    for key in configured:
        if len(key) < MIN_KEY_CHARS or "CHANGE-ME" in key.upper():
            raise NoKey(f"BURG_WEB_SECRET_KEYS: each key must be a random secret of at "
                            f"least {MIN_KEY_CHARS} characters (e.g. openssl rand -hex 32)")
    if configured:
        return configured
    path = settings.data_dir / "web-secret.key"
    try:
        return [_local_key(path)]
    except OSError as exc:
        raise NoKey(f"cannot keep a key in {path} ({exc.strerror}): set "
                        "BURG_WEB_SECRET_KEYS (every replica the same)") from None


def _local_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(100):  # the first process may still be writing it
            if key := path.read_text().strip():
                return key
            time.sleep(0.05)
        raise NoKey(f"{path} stays empty: delete it, or set BURG_WEB_SECRET_KEYS") from None
    with os.fdopen(descriptor, "w") as out:
        out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
