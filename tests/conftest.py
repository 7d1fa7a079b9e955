"""Fixtures with real components: a Redis server, and the whole system started the way
`make run` starts it (every API and Celery worker, the aiosmtpd sink) on free ports."""

import email
import email.policy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import TypeVar

import httpx
import pytest

from devserver.processes import SERVICES
from shared.embedded_redis import EmbeddedRedis, free_port

T = TypeVar("T")


def wait_for(check: Callable[[], T | None], timeout: float = 20.0, what: str = "it") -> T:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """BURG_REDIS_URL when set, else a Redis server of our own for this test session."""
    if os.environ.get("BURG_REDIS_URL"):
        yield os.environ["BURG_REDIS_URL"]
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis")).start()
    yield server.url
    server.stop()


@dataclass
class Stack:
    """A running Burg: service URLs, its environment, its mail folder and an editor token."""

    urls: dict[str, str]
    env: dict[str, str]
    data_dir: Path
    editor_token: str

    def client(self, service: str, **kwargs: object) -> httpx.Client:
        prefix = {"posts": "/api/posts", "comments": "/api/comments", "feeds": "/feeds",
                  "notify": "/notify"}[service]
        return httpx.Client(base_url=self.urls[service] + prefix, timeout=10, **kwargs)

    def editor(self) -> httpx.Client:
        return self.client("posts", headers={"Authorization": f"Bearer {self.editor_token}"})

    def mails(self) -> list[EmailMessage]:
        """Every message the SMTP sink received, parsed with the modern e-mail policy."""
        folder = self.data_dir / "mail" / "new"
        if not folder.exists():
            return []
        return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
                for path in sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime)]


def start_stack(data_dir: Path, redis_url: str | None, *, demo: bool
                ) -> tuple[subprocess.Popen[bytes], dict[str, str], dict[str, str], Path]:
    """Start `python -m devserver` on free ports; return it, the URLs, the env and its log."""
    urls = {service: f"http://127.0.0.1:{free_port()}" for service in SERVICES}
    env = dict(os.environ, BURG_DATA_DIR=str(data_dir), BURG_SMTP_PORT=str(free_port()),
               BURG_DEMO=str(demo).lower(), BURG_OUTBOX_SWEEP_SECONDS="1",
               **{f"BURG_{service.upper()}_URL": url for service, url in urls.items()})
    env.pop("BURG_REDIS_URL", None)
    if redis_url:
        env["BURG_REDIS_URL"] = redis_url
    log = data_dir / "devserver.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "devserver"], env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)

    def banner() -> bool:
        if process.poll() is not None:
            pytest.fail(f"devserver exited early:\n{log.read_text()[-4000:]}")
        return "Burg is running" in log.read_text()

    try:
        wait_for(banner, timeout=120, what="the devserver banner")
    except BaseException:
        stop_stack(process)
        raise
    return process, urls, env, log


def stop_stack(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a developer would; kill the group if it does not stop in time."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, redis_url: str) -> Iterator[Stack]:
    """The whole system, started once for the test session, stopped at its end."""
    data_dir = tmp_path_factory.mktemp("stack")
    process, urls, env, _log = start_stack(data_dir, redis_url, demo=False)
    try:
        token = subprocess.run([sys.executable, "-m", "services.posts.cli", "create-editor",
                                "Tester"], env=env, check=True, capture_output=True,
                               text=True).stdout.strip().splitlines()[-1]
        yield Stack(urls=urls, env=env, data_dir=data_dir, editor_token=token)
    finally:
        stop_stack(process)
