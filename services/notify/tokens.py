"""Signed, expiring tokens for the links in e-mails: confirm an address, unsubscribe it.

itsdangerous signs `[address id, e-mail]` with a salt per purpose, so a confirmation token
cannot stand in for an unsubscribe one, and a token stops working if its address row is
replaced. Keys rotate: the newest signs, every listed key verifies.
"""

from datetime import datetime
from enum import StrEnum

from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer

from services.notify.settings import NotifySettings
from shared.errors import BurgError
from shared.keys import local_key
from shared.sealing import key_list

DAY = 24 * 3600


class Purpose(StrEnum):
    confirm = "confirm"
    unsubscribe = "unsubscribe"


class BadToken(BurgError):
    """A token that is forged, damaged, for another purpose, or expired (the message says)."""


class Tokens:
    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self._keys: list[str] | None = None
        # One serializer per purpose, made once: every reply e-mail signs an unsubscribe link.
        self._serializers: dict[Purpose, URLSafeTimedSerializer] = {}

    def make(self, purpose: Purpose, address_id: int, email: str) -> str:
        return self._serializer(purpose).dumps([address_id, email])

    def read(self, purpose: Purpose, token: str) -> tuple[int, str, datetime]:
        """The (address id, e-mail, time of signing) a token was made with; BadToken if it is
        not valid now."""
        days = (self.settings.confirm_days if purpose == Purpose.confirm
                else self.settings.unsubscribe_days)
        try:
            payload, signed_at = self._serializer(purpose).loads(
                token, max_age=days * DAY, return_timestamp=True)
            address_id, email = payload
        except SignatureExpired:
            raise BadToken("This link has expired.") from None
        except (BadData, TypeError, ValueError):
            raise BadToken("This link is not valid. Was it copied in full?") from None
        if not isinstance(address_id, int) or not isinstance(email, str):
            raise BadToken("This link is not valid. Was it copied in full?")
        return address_id, email, signed_at

    def _serializer(self, purpose: Purpose) -> URLSafeTimedSerializer:
        if (serializer := self._serializers.get(purpose)) is None:
            serializer = URLSafeTimedSerializer(self._secret_keys(), salt=f"burg.notify.{purpose}")
            self._serializers[purpose] = serializer
        return serializer

    def _secret_keys(self) -> list[str]:
        if self._keys is None:
            configured = key_list(self.settings.secret_keys)
            self._keys = configured or [local_key(self.settings.data_dir / "notify-secret.key",
                                                   "BURG_NOTIFY_SECRET_KEYS")]
        return self._keys

