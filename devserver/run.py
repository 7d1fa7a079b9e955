"""Start everything (`make run`), stop everything on Ctrl-C or SIGTERM, Redis included."""

import os
import sys
import threading
import time

import httpx
from honcho.manager import Manager

from devserver.demo import load_demo
from devserver.processes import SERVICES, DevSettings, commands, service_url
from shared.embedded_redis import URL_FILE, EmbeddedRedis


def main() -> int:
    settings = DevSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, BURG_DATA_DIR=str(settings.data_dir.resolve()),
               BURG_SMTP_HOST=os.environ.get("BURG_SMTP_HOST", "127.0.0.1"),
               BURG_SMTP_PORT=str(settings.smtp_port), PYTHONUNBUFFERED="1")
    redis = None
    url_file = settings.data_dir / URL_FILE
    if not settings.redis_url:
        redis = EmbeddedRedis(settings.data_dir / "redis").start()
        env["BURG_REDIS_URL"] = redis.url
        url_file.write_text(redis.url)  # for CLI commands run beside us without the variable
    manager = Manager()
    for name, command in commands(settings).items():
        manager.add_process(name, command, env=env)
    threading.Thread(target=_when_up, args=(settings, env), daemon=True).start()
    try:
        manager.loop()
    finally:
        if redis is not None:
            url_file.unlink(missing_ok=True)
            redis.stop()
    return manager.returncode or 0


def _when_up(settings: DevSettings, env: dict[str, str]) -> None:
    """Wait for every API, load the demo content, print where everything is."""
    deadline = time.monotonic() + 120
    for service in SERVICES:
        while True:
            try:
                if httpx.get(f"{service_url(settings, service)}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                print(f"!! {service} did not come up; see its log lines above", file=sys.stderr)
                return
            time.sleep(0.3)
    token = load_demo(settings, env) if settings.demo else None
    lines = ["", "Burg is running:"]
    for service in SERVICES:
        lines.append(f"  {service:9} API  {service_url(settings, service)}/docs")
    lines += [
        f"  site feed      {settings.feeds_url}/feeds/site.rss",
        f"  e-mail sink    smtp://127.0.0.1:{settings.smtp_port}, messages in "
        f"{(settings.data_dir / 'mail' / 'new').resolve()}",
        f"  Redis          {env['BURG_REDIS_URL']}",
    ]
    if token:
        lines.append(f"  editor token   {token}   (Authorization: Bearer <token>)")
    lines.append("Press Ctrl-C to stop everything.\n")
    print("\n".join(lines), flush=True)
