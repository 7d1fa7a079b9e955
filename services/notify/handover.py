"""The way from a worker's pool child to the sending threads of its main process: a pipe that
carries the claims of the e-mails a commit stored (or only a wake-up), and a shared flag that
says whether the threads are running, so that a pool child claims e-mails for them only then.

Both are made before the worker forks its pool, so its children inherit them; no lock is
touched (none copied mid-use). Each write is one or more whole lines of at most PIPE_BUF
bytes, which a pipe takes whole or not at all, so the lines of several children never mix.
"""

import logging
import mmap
import os
import select
import weakref

log = logging.getLogger(__name__)

Handed = tuple[str, str]  # (delivery key, claim)


class Handover:
    """Lines `<claim> <key>` (claimed for the threads) or empty (a wake-up) in a pipe."""

    def __init__(self) -> None:
        self.read_end, self.write_end = os.pipe()
        for fd in (self.read_end, self.write_end):
            os.set_blocking(fd, False)
        self.running = mmap.mmap(-1, 1)  # shared with forked children: 1 while threads run
        self.partial = b""  # a line whose end has not been read yet
        weakref.finalize(self, _close, self.read_end, self.write_end)

    def open(self, running: bool) -> None:
        """Say whether the sending threads run (and take claimed e-mails)."""
        self.running[0] = int(running)

    def is_open(self) -> bool:
        return self.running[0] == 1

    def send(self, handed: list[Handed], wake: bool = True) -> list[Handed]:
        """Hand `handed` over (and wake the threads if `wake`); return those that did not
        fit (the pipe is full: the threads are far behind)."""
        lines = [f"{claim} {key}\n".encode() for key, claim in handed]
        chunks: list[tuple[bytes, list[Handed]]] = []
        for line, pair in zip(lines, handed, strict=True):
            if chunks and len(chunks[-1][0]) + len(line) <= select.PIPE_BUF:
                chunks[-1] = (chunks[-1][0] + line, [*chunks[-1][1], pair])
            else:
                chunks.append((line, [pair]))
        if wake and not chunks:
            chunks.append((b"\n", []))
        left: list[Handed] = []
        for chunk, pairs in chunks:
            try:
                os.write(self.write_end, chunk)
            except OSError:  # full (a wake-up is pending anyway), or closed
                left += pairs
        return left

    def wait(self, seconds: float) -> bool:
        """Wait up to `seconds` for something in the pipe; True if there is."""
        return bool(select.select([self.read_end], [], [], max(0.0, seconds))[0])

    def receive(self) -> tuple[list[Handed], bool]:
        """What was handed over since the last call, and whether a bare wake-up came too.
        One reader at a time."""
        data = self.partial
        while True:
            try:
                read = os.read(self.read_end, 65536)
            except BlockingIOError:
                break
            if not read:
                break
            data += read
        *lines, self.partial = data.split(b"\n")
        handed, woken = [], False
        for line in lines:
            claim, _, key = line.decode().partition(" ")
            if key:
                handed.append((key, claim))
            else:
                woken = True
        return handed, woken


def _close(*fds: int) -> None:
    for fd in fds:
        os.close(fd)
