"""Unsubscribe by e-mail: the mailto: form of List-Unsubscribe (RFC 2369).

A reply e-mail's List-Unsubscribe names `mailto:<unsubscribe address>?subject=unsubscribe
<token>`. A mail client that cannot POST to the https link sends that message instead; the
mail server hands it to `python -m services.notify.cli unsubscribe-mail` on standard input
(an alias such as `unsubscribe: "|python -m services.notify.cli unsubscribe-mail"`), and
`make run`'s sink does the same. The signed token is the proof, exactly as with the link:
the sender's From is never trusted.
"""

import re
from email import policy
from email.parser import BytesParser

MAX_BYTES = 256 * 1024  # an unsubscribe request is a few lines; read no more than this
TOKEN = re.compile(r"\bunsubscribe\s+([A-Za-z0-9_.\-]{20,2000})", re.IGNORECASE)


def token_in(raw: bytes) -> str | None:
    """The unsubscribe token in the message's subject (or, if a client moved it, its plain
    text body), or None."""
    message = BytesParser(policy=policy.default).parsebytes(raw[:MAX_BYTES])
    texts = [str(message.get("Subject", ""))]
    body = message.get_body(preferencelist=("plain",))
    if body is not None:
        try:
            texts.append(body.get_content()[:10_000])
        except (LookupError, ValueError):  # an unknown charset, a broken encoding
            pass
    for text in texts:
        if match := TOKEN.search(text):
            return match.group(1)
    return None
