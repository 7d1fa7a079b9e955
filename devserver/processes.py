"""The processes of a local Burg: what `make run` starts, and what the end-to-end tests start."""

import shlex
import sys
from urllib.parse import urlsplit

from pydantic_settings import SettingsConfigDict

from shared.events import SERVICES
from shared.settings import Settings, env


class DevSettings(Settings):
    model_config = SettingsConfigDict(env_prefix="BURG_", extra="ignore")
    # The local SMTP sink listens here, and notify sends here: notify's variable.
    smtp_port: int = env("NOTIFY_SMTP_PORT", 8025, was="SMTP_PORT")
    worker_concurrency: int = 1
    # The comments API takes most of a site's traffic: it runs this many processes.
    comments_api_processes: int = 2
    web_processes: int = 2  # the pages: a template render per request
    demo: bool = True  # load the demo content into an empty site
    feeds_websub_hub: str = ""  # with a hub, the feeds service runs its WebSub pinger too


def service_url(settings: Settings, service: str) -> str:
    url: str = getattr(settings, f"{service}_url")
    return url


def commands(settings: DevSettings) -> dict[str, str]:
    """Process name → shell command, for honcho: an API and a worker per service, the web
    frontend, the sink. uvicorn's X-Forwarded-For handling is off (it trusts loopback, which
    here is every client): the apps trust BURG_TRUSTED_PROXIES only (shared/proxies.py)."""
    python = shlex.quote(sys.executable)
    procs = {}
    for service in SERVICES:
        port = urlsplit(service_url(settings, service)).port
        processes = settings.comments_api_processes if service == "comments" else 1
        procs[f"{service}-api"] = (
            f"{python} -m uvicorn services.{service}.api:main --factory --host 127.0.0.1"
            f" --port {port}"
            f" --no-access-log --no-proxy-headers --workers {processes}")
        # Search's handlers are short transactions on its own tables: threads of one process
        # are enough on a laptop, and spare a pool child's database connections.
        pool = " -P threads" if service == "search" else ""
        procs[f"{service}-worker"] = (
            f"{python} -m celery -A services.{service}.worker worker -Q {service}{pool}"
            f" -n {service}@%h --concurrency {settings.worker_concurrency} --loglevel INFO"
            # Gossip, mingle and heartbeats only add broker chatter for a single laptop.
            " --without-gossip --without-mingle --without-heartbeat")
    if settings.feeds_websub_hub:
        # Pings wait on the hub: threads of their own, never the feeds worker's renders.
        procs["feeds-websub"] = (
            f"{python} -m celery -A services.feeds.websub_worker worker -Q feeds-websub"
            " -n feeds-websub@%h -P threads --concurrency 8 --loglevel INFO"
            " --without-gossip --without-mingle --without-heartbeat")
    procs["web"] = (f"{python} -m uvicorn services.web.app:create_app --factory --host 127.0.0.1"
                    f" --port {urlsplit(settings.site_url).port} --no-access-log --no-proxy-headers"
                    f" --workers {settings.web_processes}")
    maildir = shlex.quote(str((settings.data_dir / "mail").resolve()))
    procs["mailsink"] = (f"{python} -m aiosmtpd -n -l 127.0.0.1:{settings.smtp_port}"
                         f" -c devserver.mailsink.Sink {maildir}")
    return procs
