"""`make run`'s SMTP sink: aiosmtpd keeps every message in a Maildir (`var/mail/`), and hands
those sent to the unsubscribe address to `python -m services.notify.cli unsubscribe-mail`, as
a production mail server's alias pipe would (see `services/notify/inbound.py`).

Run by the devserver as `python -m aiosmtpd -n -c devserver.mailsink.Sink <maildir>`.
"""

import asyncio
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from aiosmtpd.handlers import Mailbox

from services.notify.messages import unsubscribe_address
from services.notify.settings import NotifySettings


class Sink(Mailbox):
    def __init__(self, mail_dir: str) -> None:
        super().__init__(Path(mail_dir))
        self.unsubscribe = unsubscribe_address(NotifySettings()).lower()
        self._pipes: set[asyncio.Task[None]] = set()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        answer = await super().handle_DATA(server, session, envelope)
        if any(rcpt.lower() == self.unsubscribe for rcpt in envelope.rcpt_tos):
            raw = envelope.original_content or envelope.content
            task = asyncio.create_task(self._pipe(raw))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)
        return answer

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
