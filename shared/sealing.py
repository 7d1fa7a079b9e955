"""Personal data sealed for one service alone: HPKE (RFC 9180; X25519, HKDF-SHA256,
ChaCha20-Poly1305, single-shot base mode) from the `cryptography` package.

An e-mail address given with a comment is sealed by the comments service to notify's public
key and travels so in `subscription.requested`: the broker's append-only file, the comments
database (its outbox and WAL) and any dead letter hold only ciphertext, which nobody but the
holder of notify's private key can open. The producer holds no key that opens it.

Keys are 32 raw bytes in URL-safe base64. Private keys are a list, newest last: a rotation
gives the producer the newest public key while the consumer still opens what was sealed to
the older ones. `make run` keeps a key pair under the data folder (`local_key_pair`).
"""

import base64
import binascii
import functools
import json
import os
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.CHACHA20_POLY1305)
PRIVATE_FILE = "notify-private.key"  # under the data folder, readable by its owner only
PUBLIC_FILE = "notify-public.key"


class Unsealable(ValueError):
    """A sealed value that no listed key opens, or that is damaged."""


def seal(public_key: str, data: dict[str, Any], context: str) -> str:
    """`data` (JSON) sealed to `public_key`, bound to `context` (the event and its subject):
    opened with another context it fails."""
    key = X25519PublicKey.from_public_bytes(_decode(public_key))
    sealed = SUITE.encrypt(json.dumps(data).encode(), key, info=context.encode())
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def unseal(private_keys: list[str], sealed: str, context: str) -> dict[str, Any]:
    """What `seal` sealed, opened with whichever of `private_keys` it was sealed for;
    Unsealable if none does (the message never holds the data)."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raise Unsealable("the sealed value is not base64") from None
    for private in reversed(private_keys):  # the newest is the likeliest
        try:
            opened = SUITE.decrypt(raw, _private(private), info=context.encode())
        except (InvalidTag, ValueError):
            continue
        data = json.loads(opened)
        if isinstance(data, dict):
            return data
    raise Unsealable("no private key opens the sealed value (sealed to another key, for "
                     "another event, or damaged)")


@functools.lru_cache(maxsize=8)  # parsed once, not for every event
def _private(key: str) -> X25519PrivateKey:
    return X25519PrivateKey.from_private_bytes(_decode(key))


def new_private_key() -> str:
    """A new private key."""
    return _encode(X25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
        serialization.NoEncryption()))


def public_key_of(private_key: str) -> str:
    """The public key that belongs to `private_key`."""
    public = X25519PrivateKey.from_private_bytes(_decode(private_key)).public_key()
    return _encode(public.public_bytes(serialization.Encoding.Raw,
                                       serialization.PublicFormat.Raw))


def key_list(configured: str) -> list[str]:
    """Comma-separated keys as a list, blanks dropped."""
    return [key.strip() for key in configured.split(",") if key.strip()]


def local_key_pair(data_dir: Path) -> None:
    """Make the key pair `make run` uses, under `data_dir`, unless it is there: the private
    key readable by this user only, the public key beside it."""
    private_path, public_path = data_dir / PRIVATE_FILE, data_dir / PUBLIC_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    if not private_path.exists():
        descriptor = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(new_private_key() + "\n")
    public_path.write_text(public_key_of(private_path.read_text().strip()) + "\n")


def local_private_keys(data_dir: Path) -> list[str]:
    """The private key `local_key_pair` made, if any."""
    path = data_dir / PRIVATE_FILE
    return key_list(path.read_text()) if path.exists() else []


def local_public_key(data_dir: Path) -> str:
    """The public key `local_key_pair` made, or empty."""
    path = data_dir / PUBLIC_FILE
    return path.read_text().strip() if path.exists() else ""


def _decode(key: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.strip().encode("ascii"))
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("a key must be 32 bytes in URL-safe base64") from None
    if len(raw) != 32:
        raise ValueError("a key must be 32 bytes in URL-safe base64")
    return raw


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


if __name__ == "__main__":
    # A new key pair, as settings: the private key for notify, the public one for comments.
    private = new_private_key()
    print(f"BURG_NOTIFY_PRIVATE_KEYS={private}\n"
          f"BURG_COMMENTS_NOTIFY_PUBLIC_KEY={public_key_of(private)}")
