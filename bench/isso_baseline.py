"""Isso's comment figures, the bar Burg's comments must beat, measured on this machine.

Installs Isso 0.14 and gunicorn into a throwaway virtualenv, runs Isso under gunicorn with
2 workers and its guard (rate limits) off, then measures with 16 concurrent clients: comment
POSTs on one thread, and GETs of a 200-comment thread and of a ~1,900-comment one (a GET
returns the whole thread). Load comes from wrk when installed, else from a pool of httpx
clients; `hammer` is shared with bench.comments_throughput so that both sides see the same
load.   Usage: python -m bench.isso_baseline [--seconds 5] [--clients 16]
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from shared.embedded_redis import free_port

# The figures are for Isso 0.14; 0.14.0 is also the newest release on PyPI.
ISSO = "isso==0.14.*"
HOST = "http://127.0.0.1"  # Isso's configured website: it only serves comments for it
TEXT = "A bench comment, number {n}, with *some* markdown for Isso to render."


@dataclass(frozen=True)
class Target:
    """One request to send under load; `{n}` in the body becomes a unique number."""

    method: str
    url: str
    headers: dict[str, str]
    body: str | None = None

    def content(self, n: str) -> str | None:
        return self.body.replace("{n}", n) if self.body is not None else None


@dataclass(frozen=True)
class Load:
    """What a load run measured: successful requests, failures, latency percentiles."""

    tool: str
    seconds: float
    ok: int
    failed: int
    p50_ms: float
    p95_ms: float
    p90_ms: float = 0.0
    p99_ms: float = 0.0

    @property
    def rate(self) -> float:
        """Successful requests per second."""
        return self.ok / self.seconds

    def figures(self, prefix: str) -> dict[str, float]:
        return {f"{prefix}_per_s": self.rate, f"{prefix}_p50_ms": self.p50_ms,
                f"{prefix}_p90_ms": self.p90_ms, f"{prefix}_p95_ms": self.p95_ms,
                f"{prefix}_p99_ms": self.p99_ms, f"{prefix}_errors": float(self.failed)}


def load_tool(clients: int) -> str:
    """How `hammer` makes its load here, for the reader of the figures."""
    if shutil.which("wrk"):
        return f"wrk -t{min(2, clients)} -c{clients}"
    return f"httpx, {clients} client threads (wrk is not installed)"


def hammer(targets: Sequence[Target], *, seconds: float, clients: int) -> Load:
    """Send `targets` round robin from `clients` concurrent connections for `seconds`."""
    load = (_with_wrk if shutil.which("wrk") else _with_httpx)(targets, seconds, clients)
    if load.failed:
        print(f"  warning: {load.failed} of {load.ok + load.failed} requests failed"
              f" ({targets[0].method} {targets[0].url})", flush=True)
    return load


def send_all(targets: Sequence[Target], *, clients: int) -> list[httpx.Response]:
    """Send each target once, `clients` at a time (to fill threads); raise on a failure."""
    def send(first: int) -> list[httpx.Response]:
        # One kept-alive client per worker: a new client per request costs the machine more
        # CPU (TLS context, connection) than the server spends on the request.
        responses = []
        with httpx.Client(timeout=60) as http:
            for index in range(first, len(targets), clients):
                target = targets[index]
                responses.append(http.request(target.method, target.url, headers=target.headers,
                                              content=target.content(f"fill-{index}")))
                responses[-1].raise_for_status()
                # Isso sets a cookie per comment (its author may edit it): kept, they soon
                # outgrow the server's header limit (431).
                http.cookies.clear()
        return responses

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return [response for mine in pool.map(send, range(clients)) for response in mine]


def _lua(text: str) -> str:
    """`text` as a Lua long-bracket string literal: no escapes to get wrong."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    return f"[{'=' * level}[{text}]{'=' * level}]"


# The request function runs in each wrk thread's own Lua state; `tid` (set by setup) and a
# counter make every body unique. done() runs once, with the merged latency histogram.
WRK_SCRIPT = """
local targets = {%s}
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
function request()
  n = n + 1
  local t = targets[((tid + n) %% #targets) + 1]
  local body = nil
  if t.body then body = (t.body:gsub("{n}", tid .. "-" .. n)) end
  return wrk.format(t.method, t.path, t.headers, body)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK-JSON {"requests": %%d, "duration_us": %%d, "errors": %%d,'
    .. ' "status_errors": %%d, "p50_us": %%d, "p90_us": %%d, "p95_us": %%d, "p99_us": %%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(95),
    latency:percentile(99)))
end
"""


def _with_wrk(targets: Sequence[Target], seconds: float, clients: int) -> Load:
    entries = []
    for target in targets:
        parts = urlsplit(target.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in target.headers.items())
        body = _lua(target.body) if target.body is not None else "nil"
        entries.append(f"{{method = {_lua(target.method)}, path = {_lua(path)},"
                       f" headers = {{{headers}}}, body = {body}}}")
    base = urlsplit(targets[0].url)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % ", ".join(entries))
    try:
        run = subprocess.run(
            ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
             "--timeout", "10s", "-s", script.name, f"{base.scheme}://{base.netloc}/"],
            check=True, capture_output=True, text=True)
    finally:
        os.unlink(script.name)
    # wrk carries on with plain GETs of the base URL when the script fails: no figures then.
    lines = [line for line in run.stdout.splitlines() if line.startswith("WRK-JSON ")]
    if run.stderr.strip() or not lines:
        raise RuntimeError(f"wrk's script failed:\n{run.stderr[-2000:]}{run.stdout[-2000:]}")
    result = json.loads(lines[-1].removeprefix("WRK-JSON "))
    failed = result["errors"] + result["status_errors"]
    return Load(tool=load_tool(clients), seconds=result["duration_us"] / 1e6,
                ok=result["requests"] - result["status_errors"], failed=failed,
                p50_ms=result["p50_us"] / 1000, p95_ms=result["p95_us"] / 1000,
                p90_ms=result["p90_us"] / 1000, p99_ms=result["p99_us"] / 1000)


def _with_httpx(targets: Sequence[Target], seconds: float, clients: int) -> Load:
    started = time.perf_counter()
    deadline = started + seconds

    def client(index: int) -> tuple[list[float], int]:
        latencies, failed, n = [], 0, 0
        with httpx.Client(timeout=30) as http:
            while time.perf_counter() < deadline:
                target = targets[(index + n * clients) % len(targets)]
                n += 1
                before = time.perf_counter()
                response = http.request(target.method, target.url, headers=target.headers,
                                        content=target.content(f"{index}-{n}"))
                latencies.append(time.perf_counter() - before)
                http.cookies.clear()  # as in send_all; wrk keeps none either
                failed += response.status_code >= 400
        return latencies, failed

    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(client, range(clients)))
    elapsed = time.perf_counter() - started
    latencies = sorted(t for mine, _ in results for t in mine)
    failed = sum(bad for _, bad in results)

    def at(p: float) -> float:
        return latencies[min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))] * 1000

    return Load(tool=load_tool(clients), seconds=elapsed, ok=len(latencies) - failed,
                failed=failed, p50_ms=at(50), p95_ms=at(95), p90_ms=at(90), p99_ms=at(99))


def _run(command: list[str], what: str) -> str:
    """Run a command; on failure raise with the end of its output."""
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{what} failed:\n{(done.stdout + done.stderr)[-3000:]}")
    return str(done.stdout)


def install(work_dir: Path) -> Path:
    """A new virtualenv in `work_dir` with Isso and gunicorn; its path."""
    venv = work_dir / "isso-venv"
    # From inside Burg's venv, `-m venv` still builds on the base interpreter: Isso's
    # dependencies stay out of Burg's environment.
    _run([sys.executable, "-m", "venv", str(venv)], "creating Isso's virtualenv")
    _run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", ISSO, "gunicorn"],
         "pip install isso gunicorn")
    return venv


def versions(venv: Path) -> tuple[str, str]:
    """The installed (isso, gunicorn) versions."""
    out = _run([str(venv / "bin" / "python"), "-c", "from importlib.metadata import version;"
                " print(version('isso'), version('gunicorn'))"], "reading versions")
    isso, gunicorn = out.split()
    return isso, gunicorn


def write_config(work_dir: Path) -> Path:
    """A minimal isso.cfg: a SQLite file here, one website, guard and moderation off."""
    config = work_dir / "isso.cfg"
    config.write_text(f"[general]\ndbpath = {work_dir / 'comments.db'}\nhost = {HOST}\n"
                      "notify = stdout\n\n[moderation]\nenabled = false\n\n"
                      "[guard]\nenabled = false\n")
    return config


@contextmanager
def serve(venv: Path, work_dir: Path) -> Iterator[tuple[str, list[str]]]:
    """Isso under gunicorn (the command its docs give, with 2 workers): (base URL, command).

    gunicorn runs in its own session, so that stopping its process group on the way out
    takes its workers too, whatever went wrong in between.
    """
    port = free_port()
    # --preload: one app (and one multiprocessing lock around thread creation) for both
    # workers, as Isso's deployment docs run it.
    command = [str(venv / "bin" / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
               "--preload", "isso.run"]
    env = dict(os.environ, ISSO_SETTINGS=str(write_config(work_dir)))
    log = work_dir / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=work_dir, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not answers(f"{base}/info"):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Isso did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, command
    finally:
        stop_group(process)


def idle(base: str, timeout: float = 120) -> None:
    """Wait until Isso has answered the requests a load left queued (its sync workers go on
    with them after wrk has gone): else they would count against the next figure."""
    deadline = time.monotonic() + timeout
    while not answers(f"{base}/info") and time.monotonic() < deadline:
        time.sleep(0.5)


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM a process group (a graceful stop), then SIGKILL whatever is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)  # workers a dying master left behind
    except ProcessLookupError:
        pass
    process.wait()


def new_comment(base: str, uri: str) -> Target:
    """A POST of a new comment on thread `uri`; the title lets Isso create the thread
    without fetching the page from the (absent) website."""
    body = json.dumps({"text": TEXT, "author": "Bench", "email": None, "website": None,
                       "title": "Bench"})
    return Target("POST", f"{base}/new?uri={uri}", {"Content-Type": "application/json",
                                                    "Origin": HOST, "Referer": HOST + uri},
                  body)


def count(base: str, uri: str) -> int:
    """How many comments thread `uri` holds (0 before its first)."""
    response = httpx.get(f"{base}/", params={"uri": uri, "limit": 0}, timeout=30)
    return int(response.json()["total_replies"]) if response.status_code == 200 else 0


def fill(base: str, uri: str, total: int, *, clients: int) -> None:
    """Post comments on `uri` until it holds `total`; the first alone, as it makes the thread."""
    if count(base, uri) == 0:
        send_all([new_comment(base, uri)], clients=1)
    send_all([new_comment(base, uri)] * (total - count(base, uri)), clients=clients)


def measure_thread(base: str, uri: str, name: str, *, seconds: float,
                   clients: int) -> dict[str, float]:
    """GETs of the whole thread `uri` under load, and the median of three alone (no queue),
    after checking that a GET returns all its comments."""
    url = f"{base}/?uri={uri}"
    expected, alone = count(base, uri), []
    with httpx.Client(timeout=60) as http:
        for _ in range(3):
            before = time.perf_counter()
            got = len(http.get(url).raise_for_status().json()["replies"])
            alone.append(time.perf_counter() - before)
    if got != expected:
        raise RuntimeError(f"Isso returned {got} of the {expected} comments of {uri}")
    load = hammer([Target("GET", url, {"Referer": HOST + uri})], seconds=seconds,
                  clients=clients)
    return load.figures(f"get_{name}") | {f"get_{name}_comments": float(expected),
                                          f"full_{name}_ms": statistics.median(alone) * 1000}


def measure_isso(work_dir: Path, *, seconds: float = 5.0, clients: int = 16,
                 big: int = 1900, budget: float = 60.0) -> dict[str, float]:
    """Install Isso in `work_dir`, run it and measure it; figures keyed like Burg's.

    Keys: post_*, get_200_* and, when filling the big thread fits in `budget` seconds of
    measuring, get_big_*; each * is per_s, p50_ms, p95_ms, errors. Also per thread:
    get_*_comments, and full_*_ms, a whole-thread GET's time when it is alone.
    """
    started = time.monotonic()
    venv = install(work_dir)
    isso, gunicorn = versions(venv)
    installed = time.monotonic() - started
    with serve(venv, work_dir) as (base, command):
        print(f"\nIsso {isso} under gunicorn {gunicorn} (installed in {installed:.0f} s):"
              f" ISSO_SETTINGS=isso.cfg {' '.join(['gunicorn', *command[1:]])};"
              f" guard off; load: {load_tool(clients)}, {seconds:g} s per figure", flush=True)
        started = time.monotonic()
        # The 200-comment thread first, while the database holds nothing else.
        fill(base, "/bench/200", 200, clients=clients)
        figures = measure_thread(base, "/bench/200", "200", seconds=seconds, clients=clients)
        idle(base)
        post = hammer([new_comment(base, "/bench/posts")], seconds=seconds,
                      clients=clients)
        figures |= post.figures("post")
        # Then a thread of exactly `big` comments, if there is time to fill it.
        needed = big / max(post.rate, 1.0) + seconds
        if time.monotonic() - started + needed <= budget:
            idle(base)
            fill(base, "/bench/big", big, clients=clients)
            figures |= measure_thread(base, "/bench/big", "big", seconds=seconds,
                                      clients=clients)
        else:
            print(f"  skipped the {big}-comment thread: filling it would take ~{needed:.0f} s",
                  flush=True)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="isso-bench-") as folder:
        figures = measure_isso(Path(folder), seconds=args.seconds, clients=args.clients)
    print()
    for name, value in figures.items():
        print(f"  {name:<20} {value:10.1f}", flush=True)


if __name__ == "__main__":
    main()
