"""The keys that sign the site's CSRF tokens: configured, or made once on this machine."""

from services.web.settings import WebSettings
from shared.keys import local_key

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
        return [local_key(path, "BURG_WEB_SECRET_KEYS")]
    except OSError as exc:
        raise NoKey(f"cannot keep a key in {path} ({exc.strerror}): set "
                    "BURG_WEB_SECRET_KEYS (every replica the same)") from None
    except RuntimeError as exc:
        raise NoKey(str(exc)) from None

