"""`make run`'s process manager: honcho's, except that a process that dies is started again
(with a log line saying so), as compose's and Kubernetes' restart policies do, instead of
stopping everything. Ctrl-C or SIGTERM still stops everything."""

import datetime
import multiprocessing
import queue
import signal
import time
from typing import Any

from honcho.manager import KILL_WAIT, SIGNALS, Manager

# A process that dies this soon after it started is crash-looping: wait longer each time
# (1, 2, 4 … at most MAX_DELAY seconds) before the next start.
QUICK_DEATH = 10.0
MAX_DELAY = 30.0


class Supervisor(Manager):
    """Runs every added process and restarts whichever exits, until told to stop."""

    def __init__(self) -> None:
        super().__init__()
        self._started_at: dict[str, float] = {}
        self._quick_deaths: dict[str, int] = {}
        self._restart_at: dict[str, float] = {}

    def loop(self) -> None:
        def _terminate(signum: int, _frame: Any) -> None:
            self._system_print(f"{SIGNALS[signum]['name']} received\n")
            self.returncode = SIGNALS[signum]["rc"]
            self.terminate()

        signal.signal(signal.SIGTERM, _terminate)
        signal.signal(signal.SIGINT, _terminate)
        for name in self._processes:
            self._start_one(name)
        stopping_since: datetime.datetime | None = None
        while True:
            try:
                self._handle(self.events.get(timeout=0.1))
            except queue.Empty:
                pass
            if self._terminating:
                self._restart_at.clear()
                if self._all_stopped():
                    break
                stopping_since = stopping_since or self._clock.now()
                if self._clock.now() - stopping_since > datetime.timedelta(seconds=KILL_WAIT):
                    self.kill()
                continue
            for name, when in list(self._restart_at.items()):
                if time.monotonic() >= when:
                    del self._restart_at[name]
                    self._system_print(f"restarting {name}\n")
                    self._start_one(name)

    def _handle(self, msg: Any) -> None:
        if msg.type == "line":
            self._printer.write(msg)
        elif msg.type == "start":
            self._processes[msg.name]["pid"] = msg.data["pid"]
            self._system_print(f"{msg.name} started (pid={msg.data['pid']})\n")
            if self._terminating:  # started just as everything was told to stop
                self._procmgr.terminate(msg.data["pid"])
        elif msg.type == "stop":
            process, code = self._processes[msg.name], msg.data["returncode"]
            process["returncode"] = code
            if self._terminating:
                self._system_print(f"{msg.name} stopped (rc={code})\n")
                return
            lived = time.monotonic() - self._started_at.get(msg.name, 0.0)
            quick = self._quick_deaths.get(msg.name, 0) + 1 if lived < QUICK_DEATH else 0
            self._quick_deaths[msg.name] = quick
            delay = min(MAX_DELAY, 2.0 ** max(0, quick - 1))
            self._system_print(f"{msg.name} exited unexpectedly (rc={code}); restarting it "
                               f"in {delay:.0f}s\n")
            self._restart_at[msg.name] = time.monotonic() + delay

    def _killall(self, force: bool = False) -> None:
        for name, process in self._processes.items():
            if "returncode" not in process and process.get("pid") is not None:
                signame = "SIGKILL" if force else "SIGTERM"
                self._system_print(f"sending {signame} to {name} (pid {process['pid']})\n")
                if force:
                    self._procmgr.kill(process["pid"])
                else:
                    self._procmgr.terminate(process["pid"])

    def _start_one(self, name: str) -> None:
        process = self._processes[name]
        process.pop("returncode", None)
        process["pid"] = None
        self._started_at[name] = time.monotonic()
        process["process"] = multiprocessing.Process(name=name, target=process["obj"].run,
                                                     args=(self.events, True))
        process["process"].start()
