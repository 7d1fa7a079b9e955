"""`make run`'s SMTP sink: aiosmtpd keeps every message in a Maildir (`var/mail/`), and hands
those sent to the unsubscribe address to `python -m services.notify.cli unsubscribe-mail`, as
a production mail server's alias pipe would (see `services/notify/inbound.py`).

Run by the devserver as `python -m aiosmtpd -n -c devserver.mailsink.Sink <maildir>`.
"""

import asyncio
import os
import socket
import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from aiosmtpd.handlers import Mailbox

from services.notify.messages import unsubscribe_address
from services.notify.settings import NotifySettings


class Sink(Mailbox):
    def __init__(self, mail_dir: str) -> None:
        super().__init__(Path(mail_dir))  # makes the Maildir's folders
        self.folder, self.count = Path(mail_dir), 0
        self.unsubscribe = unsubscribe_address(NotifySettings()).lower()
        self._pipes: set[asyncio.Task[None]] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        self._keep(session, envelope, raw)
        if any(rcpt.lower() == self.unsubscribe for rcpt in envelope.rcpt_tos):
            task = asyncio.create_task(self._pipe(raw))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)
        return "250 OK"

    def _keep(self, session: Any, envelope: Any, raw: bytes) -> None:
        """Keep the message as it came, with the trace headers aiosmtpd's Mailbox adds, in
        the Maildir's `new/`. Not parsed and written again, and not synced to disk, as
        Mailbox does: that cost more than the whole SMTP conversation, and the sync held
        every connection's next message behind it. A killed sink keeps what it wrote (the
        kernel has it); only the machine's crash could lose it: fine for a developer's sink."""
        trace = (f"X-Peer: {session.peer}\r\nX-MailFrom: {envelope.mail_from}\r\n"
                 f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n").encode("utf-8", "replace")
        self.count += 1
        name = f"{time.time():.6f}.P{os.getpid()}Q{self.count}.{socket.gethostname()}"
        tmp = self.folder / "tmp" / name
        tmp.write_bytes((trace + raw).replace(b"\r\n", b"\n"))
        os.rename(tmp, self.folder / "new" / name)

    async def _pipe(self, raw: bytes) -> None:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.notify.cli", "unsubscribe-mail",
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT)
        output, _ = await process.communicate(raw)
        print(f"mailsink: unsubscribe-mail: {output.decode(errors='replace').strip()}",
              flush=True)

    @classmethod
    def from_cli(cls, parser: ArgumentParser, *args: Any) -> "Sink":
        if len(args) != 1:
            parser.error("Sink takes one argument: the Maildir folder")
        return cls(args[0])
