"""Resident memory of every process of a running Burg: sampled at moments the combined bench
names (its start, after each path, its end), and during a soak, a few minutes of mixed load
whose first and last minutes are compared. A process whose memory grows without bound shows as
growth between those minutes; one that only warms up (caches, pools) does not."""

import re
import statistics
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import psutil
import redis

from bench.isso_baseline import Target, hammer

KIND = re.compile(r"services\.(\w+)\.(api|app|worker)")
ID = re.compile(r"[0-9a-f]{8,}(-[0-9a-f]{4,})*|\d+")  # ids, hashes, uuids, numbers in a key
MB = 2**20
SHELLS = {"sh", "bash", "dash"}


def kind(command: str, parent: str) -> str:
    """What a Burg process is, from its command line: `comments-api`, `feeds-worker`,
    `redis`... A process started by another (uvicorn's, Celery's pool) is its parent's kind;
    the devserver's own children (one per process it runs, which relay its output) are
    `devserver (relay)`, and multiprocessing's resource tracker is its parent's `tracker`."""
    if parts := KIND.search(command):
        return f"{parts[1]}-{'worker' if parts[2] == 'worker' else 'api'}"
    if "redis-server" in command:
        return "redis"
    if "aiosmtpd" in command:
        return "mail sink"
    if "-m devserver" in command:
        return "devserver (relay)"
    return f"{parent} tracker" if "resource_tracker" in command else parent


def processes(root_pid: int) -> dict[int, tuple[str, psutil.Process]]:
    """Every live process under the devserver `root_pid`, itself included, but for the shells
    that only start another: pid -> (kind, process). psutil lists parents before children."""
    root = psutil.Process(root_pid)
    found: dict[int, tuple[str, psutil.Process]] = {root.pid: ("devserver (logs)", root)}
    for process in root.children(recursive=True):
        try:
            command, parent = " ".join(process.cmdline()), process.ppid()
            shell = process.name() in SHELLS
        except psutil.NoSuchProcess:
            continue
        if not shell:
            found[process.pid] = (kind(command, found.get(parent, ("other",))[0]), process)
    return found


class Memory:
    """RSS samples (MB) per process; a process keeps its label (`kind #n`) for the run."""

    def __init__(self, root_pid: int) -> None:
        self.root_pid = root_pid
        self.labels: dict[int, str] = {}
        self.moments: list[tuple[str, dict[str, float]]] = []

    def rss(self) -> dict[str, float]:
        """Each live process's resident memory now, in MB, by label."""
        now: dict[str, float] = {}
        for pid, (what, process) in processes(self.root_pid).items():
            if pid not in self.labels:
                same = sum(label.rsplit(" #", 1)[0] == what for label in self.labels.values())
                self.labels[pid] = f"{what} #{same + 1}"
            try:
                now[self.labels[pid]] = process.memory_info().rss / MB
            except psutil.NoSuchProcess:
                continue
        return now

    def sample(self, moment: str) -> None:
        self.moments.append((moment, self.rss()))

    def table(self) -> list[list[str]]:
        """Rows of a table: process, then its RSS at each moment; a total last."""
        names = sorted({label for _, rss in self.moments for label in rss}, key=_order)
        rows = [["process (RSS, MB)", *(moment for moment, _ in self.moments)]]
        for name in names:
            rows.append([name, *(f"{rss[name]:.0f}" if name in rss else "-"
                                 for _, rss in self.moments)])
        rows.append(["all", *(f"{sum(rss.values()):.0f}" for _, rss in self.moments)])
        return rows


def _order(label: str) -> tuple[str, int]:
    """`web-api #10` after `web-api #9`."""
    what, _, n = label.rpartition(" #")
    return what, int(n) if n.isdigit() else 0


def soak(memory: Memory, loads: Sequence[Sequence[Target]], *, seconds: float, clients: int,
         every: float = 5.0) -> dict[str, dict[str, float]]:
    """Run every load in `loads` at once for `seconds` (each from `clients` connections, so
    that each may go to its own host) while sampling RSS every `every` seconds. Per process:
    its mean RSS over the first and the last window (a minute, or a fifth of a shorter soak),
    the growth between them, and its largest sample."""
    samples: list[tuple[float, dict[str, float]]] = []
    done = threading.Event()

    def sampler() -> None:
        started = time.monotonic()
        while not done.is_set():
            samples.append((time.monotonic() - started, memory.rss()))
            done.wait(every)
        samples.append((time.monotonic() - started, memory.rss()))

    watcher = threading.Thread(target=sampler, daemon=True)
    watcher.start()
    try:
        with ThreadPoolExecutor(max_workers=len(loads)) as pool:
            ran = list(pool.map(lambda targets: hammer(targets, seconds=seconds,
                                                       clients=clients), loads))
    finally:
        done.set()
        watcher.join()
    window = min(60.0, seconds / 5)
    end = samples[-1][0]
    first = [rss for at, rss in samples if at <= window]
    last = [rss for at, rss in samples if at >= end - window]
    report: dict[str, dict[str, float]] = {}
    for name in sorted({label for _, rss in samples for label in rss}):
        early = [rss[name] for rss in first if name in rss]
        late = [rss[name] for rss in last if name in rss]
        if not early or not late:
            continue  # started or ended during the soak: no growth to speak of
        report[name] = {"first_mb": statistics.mean(early), "last_mb": statistics.mean(late),
                        "growth_mb": statistics.mean(late) - statistics.mean(early),
                        "max_mb": max(rss[name] for _, rss in samples if name in rss)}
    report["load"] = {f"load_{i}_per_s": load.rate for i, load in enumerate(ran)} | {
        "seconds": seconds, "window_s": window, "samples": float(len(samples))}
    return report


def bounded(growth_mb: float, first_mb: float) -> bool:
    """The soak's verdict for one process: its last window within 5 MB or 5% of its first."""
    return growth_mb <= max(5.0, 0.05 * first_mb)


def redis_census(url: str) -> dict[str, dict[str, float]]:
    """What Redis holds, by kind of key (a key with its ids and numbers written `#`): how many
    keys, their MB (MEMORY USAGE) and, for lists such as a Celery queue, their items; and
    Redis's own `used_memory` as `(all)`. Growth in a soak shows here as a kind of key that
    grew, or as memory no key holds (buffers, fragmentation)."""
    client = redis.Redis.from_url(url)
    census: dict[str, dict[str, float]] = {}
    for key in client.scan_iter(count=1000):
        row = census.setdefault(ID.sub("#", key.decode(errors="replace")),
                                {"keys": 0, "mb": 0.0, "items": 0})
        row["keys"] += 1
        row["mb"] += (client.memory_usage(key, samples=0) or 0) / MB
        if client.type(key) == b"list":
            row["items"] += client.llen(key)
    used = client.info("memory")
    census["(all)"] = {"keys": float(client.dbsize()), "mb": used["used_memory"] / MB,
                       "items": 0}
    client.close()
    return census


def census_growth(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]],
                  top: int = 8) -> list[str]:
    """Lines for the kinds of key whose MB grew most between two censuses."""
    empty = {"keys": 0, "mb": 0.0, "items": 0}
    grown = sorted(after, key=lambda kind: before.get(kind, empty)["mb"] - after[kind]["mb"])
    return [f"  redis: {kind[:60]:<60} {before.get(kind, empty)['mb']:7.2f} ->"
            f" {after[kind]['mb']:7.2f} MB, {after[kind]['keys']:.0f} keys,"
            f" {after[kind]['items']:.0f} list items" for kind in grown[:top]]
