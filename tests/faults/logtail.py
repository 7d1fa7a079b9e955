"""What the suite reads in the devserver's log (every process's output, one file): which
events each worker handled or skipped, when a worker was ready, which processes started."""

import re
from collections import Counter
from pathlib import Path

# The event tasks log "<type> <id> handled|skipped" for each delivery they took, alone
# (shared.consumer) or in a batch (shared.batches).
CONSUMED = re.compile(r"^\S+ (\w+)-worker\s*\|.*shared\.(?:consumer|batches) \[[^\]]*\]: "
                      r"(\S+) (\S+) (handled|skipped)\s*$")
READY = re.compile(r"^\S+ (\w+)-worker\s*\|.* \w+@\S+ ready\.")
STARTED = re.compile(r"^\S+ system\s*\| (\S+) started \(pid=(\d+)\)")


class LogTail:
    """Reads the log incrementally and keeps the counts the suite needs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""
        self.handled: Counter[tuple[str, str]] = Counter()  # (service, event id) → times
        self.skipped: Counter[tuple[str, str]] = Counter()
        self.ready: Counter[str] = Counter()  # service → "ready" lines of its worker
        self.started: dict[str, list[int]] = {}  # process name → pids, in order

    def read(self) -> "LogTail":
        """Take in whatever the log gained since the last read."""
        with self.path.open("rb") as log:
            log.seek(self._offset)
            data = log.read()
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for raw in lines:
            line = raw.decode(errors="replace")
            if match := CONSUMED.match(line):
                service, _kind, event_id, outcome = match.groups()
                counter = self.handled if outcome == "handled" else self.skipped
                counter[service, event_id] += 1
            elif match := READY.match(line):
                self.ready[match.group(1)] += 1
            elif match := STARTED.match(line):
                self.started.setdefault(match.group(1), []).append(int(match.group(2)))
        return self

    def pid(self, process: str) -> int | None:
        """The pid the supervisor last started `process` (e.g. `feeds-worker`) with."""
        pids = self.read().started.get(process)
        return pids[-1] if pids else None
