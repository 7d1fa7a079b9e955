"""Settings of the web frontend (`BURG_WEB_…`, beside the shared ones)."""

from typing import ClassVar

from shared.settings import Settings, env


class WebSettings(Settings):
    service: ClassVar[str] = "web"  # its own variables are `BURG_WEB_…`
    # Keys that sign the forms' CSRF tokens, comma-separated, newest last: tokens signed with
    # an older key keep working while it is listed. Empty: a random key made once and kept in
    # `<data_dir>/web-secret.key` (one machine; production sets it, the same for every replica).
    secret_keys: str = env("WEB_SECRET_KEYS", "")
