"""SMTP connections whose whole conversation has a deadline.

smtplib's timeout bounds each socket operation only: a server that answers one byte every few
seconds never trips it and holds a send for as long as it likes. Here every connect, write and
read also stops at the conversation's deadline (each waits at most the per-operation timeout,
and never past the deadline), and running out of time raises `TimeoutError`.
"""

import smtplib
import socket
import time
from typing import Any

from services.notify.headers import split_mailbox


class _Replies:
    """What smtplib reads the server's replies from (its `file`): lines from the socket,
    each receive waiting no longer than the connection allows."""

    def __init__(self, sock: socket.socket, wait: Any) -> None:
        self.sock, self.wait, self.buffer = sock, wait, b""

    def readline(self, limit: int = -1) -> bytes:
        while b"\n" not in self.buffer and not 0 < limit <= len(self.buffer):
            self.sock.settimeout(self.wait())
            chunk = self.sock.recv(4096)
            if not chunk:
                break
            self.buffer += chunk
        end = self.buffer.find(b"\n") + 1 or len(self.buffer)
        if limit > 0:
            end = min(end, limit)
        line, self.buffer = self.buffer[:end], self.buffer[end:]
        return line

    def close(self) -> None:
        self.buffer = b""


class _Bounded:
    """Mixed into smtplib's classes: every step waits min(timeout, time left)."""

    timeout: float
    sock: socket.socket | None
    file: Any
    does_esmtp: bool
    deadline: float = float("inf")
    data_begun = False  # the current message's DATA has begun (the server may have it)

    def wait(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the SMTP conversation ran out of time")
        return min(self.timeout, left)

    def connect(self, host: str = "localhost", port: int = 0,
                source_address: Any = None) -> tuple[int, bytes]:
        self._host = host  # what TLS checks the certificate against (set by __init__ only)
        return super().connect(host, port, source_address)  # type: ignore[misc]

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return super()._get_socket(host, port, self.wait())  # type: ignore[misc]

    def send(self, s: Any) -> None:
        if self.sock is not None:
            self.sock.settimeout(self.wait())
        super().send(s)  # type: ignore[misc]

    def mail(self, sender: str, options: Any = ()) -> tuple[int, bytes]:
        self.data_begun = False  # a new message
        if any(option.lower() == "smtputf8" for option in options):
            return super().mail(sender, options)  # type: ignore[misc]
        # smtplib's own, but for the address's quoting (`_quoted`).
        self.putcmd("mail", f"from:{_quoted(sender)}{self._options(options)}")  # type: ignore[attr-defined]
        return self.getreply()

    def rcpt(self, recip: str, options: Any = ()) -> tuple[int, bytes]:
        self.putcmd("rcpt", f"to:{_quoted(recip)}{self._options(options)}")  # type: ignore[attr-defined]
        return self.getreply()

    def _options(self, options: Any) -> str:
        return " " + " ".join(options) if options and self.does_esmtp else ""

    def data(self, msg: Any) -> tuple[int, bytes]:
        self.data_begun = True
        return super().data(msg)  # type: ignore[misc]

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:
            self.file = _Replies(self.sock, self.wait)
        return super().getreply()  # type: ignore[misc]


class SMTP(_Bounded, smtplib.SMTP):
    """smtplib.SMTP, unconnected, with a deadline `total` seconds from now."""

    def __init__(self, *, timeout: float, total: float) -> None:
        super().__init__(timeout=timeout)
        self.deadline = time.monotonic() + total


class SMTP_SSL(_Bounded, smtplib.SMTP_SSL):
    """smtplib.SMTP_SSL (implicit TLS), unconnected, with a deadline `total` seconds from now."""

    def __init__(self, *, timeout: float, total: float, context: Any) -> None:
        super().__init__(timeout=timeout, context=context)
        self.deadline = time.monotonic() + total


Client = SMTP | SMTP_SSL  # either, with its deadline (`deadline`, monotonic) to move on


def _quoted(address: str) -> str:
    """`smtplib.quoteaddr`, without its parser for a bare address (`split_mailbox`)."""
    display, plain = split_mailbox(address)
    if (display, plain) == ("", ""):  # unparsed: as it is ("<>" among them), in brackets
        return address if address.strip().startswith("<") else f"<{address}>"
    return f"<{plain}>"


def timed_out(exc: BaseException) -> bool:
    """Whether `exc` comes from a wait that ran out (smtplib turns a timeout while reading into
    SMTPServerDisconnected; the timeout is its context)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
