"""Start everything (`make run`), stop everything on Ctrl-C or SIGTERM, Redis included."""

import os
import shutil
import subprocess
import sys
import threading
import time

import httpx

from devserver.demo import load_demo
from devserver.processes import DevSettings, commands, service_url
from devserver.supervisor import Supervisor
from shared.embedded_redis import URL_FILE, EmbeddedRedis
from shared.events import SERVICES
from shared.sealing import key_list, local_key_pair, public_key_of


def main() -> int:
    settings = DevSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, BURG_DATA_DIR=str(settings.data_dir.resolve()),
               BURG_NOTIFY_SMTP_PORT=str(settings.smtp_port), PYTHONUNBUFFERED="1")
    env.pop("BURG_SMTP_PORT", None)  # its old name (read above, with a warning)
    if "BURG_SMTP_HOST" not in env:  # else notify reads the old name, with a warning
        env.setdefault("BURG_NOTIFY_SMTP_HOST", "127.0.0.1")
    _address_keys(settings, env)
    redis = None
    url_file = settings.data_dir / URL_FILE
    if not settings.redis_url:
        redis = EmbeddedRedis(settings.data_dir / "redis").start()
        env["BURG_REDIS_URL"] = redis.url
        url_file.write_text(redis.url)  # for CLI commands run beside us without the variable
    if not migrate(env):
        return 1
    manager = Supervisor()  # restarts a process that dies; Ctrl-C stops them all
    for name, command in commands(settings).items():
        manager.add_process(name, command, env=env | _metrics_dir(settings, name))
    threading.Thread(target=_when_up, args=(settings, env), daemon=True).start()
    try:
        manager.loop()
    finally:
        if redis is not None:
            url_file.unlink(missing_ok=True)
            redis.stop()
    return manager.returncode or 0


def _address_keys(settings: DevSettings, env: dict[str, str]) -> None:
    """The key pair that seals e-mail addresses for notify: made under the data folder on
    the first start (notify reads the private key there, the comments service only the
    public one), unless keys are configured."""
    configured = key_list(env.get("BURG_NOTIFY_PRIVATE_KEYS", ""))
    if not configured:
        local_key_pair(settings.data_dir)
    elif not env.get("BURG_COMMENTS_NOTIFY_PUBLIC_KEY"):
        env["BURG_COMMENTS_NOTIFY_PUBLIC_KEY"] = public_key_of(configured[-1])


def _metrics_dir(settings: DevSettings, process: str) -> dict[str, str]:
    """A service's API and worker processes add up their metrics in one folder, emptied at
    each start (see `shared/observability.py`)."""
    service = process.split("-")[0]
    if service not in SERVICES:
        return {}
    folder = (settings.data_dir / "metrics" / service).resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return {"PROMETHEUS_MULTIPROC_DIR": str(folder)}


def migrate(env: dict[str, str]) -> bool:
    """Bring every service's database to its newest schema revision, all four at once."""
    runs = [subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", f"services.{service}.migrate", "upgrade"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for service in SERVICES]
    failed = [(service, run) for service, run in zip(SERVICES, runs, strict=True)
              if run.wait() != 0]
    for service, run in failed:
        assert run.stderr is not None
        lines = run.stderr.read().strip().splitlines() or ["(no output)"]
        print(f"!! {service}: migrating its database failed: {lines[-1]}", file=sys.stderr)
    return not failed


def _when_up(settings: DevSettings, env: dict[str, str]) -> None:
    """Wait for every API, load the demo content, print where everything is."""
    deadline = time.monotonic() + 120
    for service in (*SERVICES, "site"):
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
    lines = ["", "Burg is running:", f"  front page     {settings.site_url.rstrip('/')}/"]
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
