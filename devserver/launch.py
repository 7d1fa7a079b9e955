"""Start a whole local Burg in the background, on free ports, as tests and benchmarks need."""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from shared.embedded_redis import free_port
from shared.events import SERVICES


@dataclass
class Launched:
    """A running `python -m devserver`: its process, URLs, environment and log file."""

    process: subprocess.Popen[bytes]
    urls: dict[str, str]
    env: dict[str, str]
    log: Path

    def create_editor(self, nic: str, *, admin: bool = False) -> str:
        """A new editor's API token, from the posts service's CLI (`admin`: one who may
        manage editors)."""
        out = subprocess.run([sys.executable, "-m", "services.posts.cli", "create-editor", nic,  # noqa: S603
                              "--rotate", *(["--admin"] if admin else [])], env=self.env,
                             check=True, capture_output=True, text=True).stdout
        return out.strip().splitlines()[-1]

    def stop(self) -> None:
        """Ctrl-C, as a developer would; kill the group if it does not stop in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


PORT_TAKEN = "address already in use"
ATTEMPTS = 3  # a free port can be taken by another process before ours binds it


def launch(data_dir: Path, redis_url: str | None, *, demo: bool, timeout: float = 120,
           env: dict[str, str] | None = None) -> Launched:
    """Start `python -m devserver` in `data_dir` and wait for its "running" banner; `env`
    adds to (or overrides) the environment it runs in. Should one of the free ports it picked
    be taken meanwhile (by another test's stack), it starts again on others."""
    for _ in range(ATTEMPTS):
        launched = _launch_once(data_dir, redis_url, demo=demo, timeout=timeout, env=env)
        if launched is not None:
            return launched
    raise RuntimeError(f"devserver: a port it picked was taken, {ATTEMPTS} times")


def _launch_once(data_dir: Path, redis_url: str | None, *, demo: bool, timeout: float,
                 env: dict[str, str] | None) -> Launched | None:
    """The stack, running; None if a port it picked was taken before it could bind it."""
    urls = {service: f"http://127.0.0.1:{free_port()}" for service in (*SERVICES, "site")}
    full_env = dict(os.environ, BURG_DATA_DIR=str(data_dir),
                    BURG_NOTIFY_SMTP_PORT=str(free_port()), BURG_DEMO=str(demo).lower(),
                    BURG_OUTBOX_SWEEP_SECONDS="1",
                    **{f"BURG_{service.upper()}_URL": url for service, url in urls.items()})
    full_env.pop("BURG_REDIS_URL", None)
    if redis_url:
        full_env["BURG_REDIS_URL"] = redis_url
    full_env.update(env or {})
    log = data_dir / "devserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "devserver"], env=full_env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    launched = Launched(process=process, urls=urls, env=full_env, log=log)
    deadline = time.monotonic() + timeout
    while "Burg is running" not in (text := log.read_text(errors="replace")):
        if PORT_TAKEN in text:
            launched.stop()
            return None
        if process.poll() is not None or time.monotonic() > deadline:
            launched.stop()
            raise RuntimeError(f"devserver did not come up:\n{text[-4000:]}")
        time.sleep(0.1)
    return launched
