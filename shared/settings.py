"""Settings common to every service, read from `BURG_…` environment variables.

Every default works on a laptop with nothing configured: SQLite files under `data_dir`, an
embedded Redis when `BURG_REDIS_URL` is unset, and the services on 127.0.0.1 ports 8001-8005.
A service's own settings class extends `Settings` with its database URL and its own knobs.

One rule names every variable after its field, so that a name says which setting it is:

- a field of `Settings`, which every service has, is read from `BURG_<FIELD>`
  (`redis_url`: `BURG_REDIS_URL`);
- a field of one service's class, from `BURG_<SERVICE>_<FIELD>` (notify's `smtp_host`:
  `BURG_NOTIFY_SMTP_HOST`; the web's `secret_keys`: `BURG_WEB_SECRET_KEYS`), declared with
  `env("<SERVICE>_<FIELD>", default)`.

`tests/shared/test_settings.py` holds every class to the rule. A variable renamed to follow it
keeps being read under its old name for one release (`env(…, was="OLD_NAME")`), with a
warning; the README lists them under "Renamed settings".
"""

import logging
import os
import warnings
from pathlib import Path
from typing import Any, ClassVar

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger(__name__)
_warned: set[str] = set()  # old names already logged by this process


class Settings(BaseSettings):
    # Fields of one service are read from `BURG_<SERVICE>_…` (their alias); tests and code may
    # still pass them by field name.
    model_config = SettingsConfigDict(env_prefix="BURG_", extra="ignore", populate_by_name=True)

    data_dir: Path = Path("var")
    redis_url: str | None = None
    # Redis redelivers an unacknowledged task after this many seconds; keep every task and
    # every retry countdown well below it (docs/architecture.md, "The visibility-timeout
    # trap"). All services on one Redis share it.
    visibility_timeout: int = 3600
    # A task is stopped after this many seconds (softly, with an exception, at 5/6 of it):
    # event handlers are short transactions. It bounds how long a worker's warm shutdown
    # waits for the task in hand, so the grace periods of docker-compose.yml and deploy/k8s/
    # are this plus a margin (tests/deploy checks them); capped at half the visibility timeout.
    task_time_limit: int = 60
    # Where people reach the site (the web frontend, or the gateway in production), and
    # where each service's API is reached; used to build absolute links in feeds and e-mail.
    site_url: str = "http://127.0.0.1:8000"
    posts_url: str = "http://127.0.0.1:8001"
    comments_url: str = "http://127.0.0.1:8002"
    notify_url: str = "http://127.0.0.1:8003"
    feeds_url: str = "http://127.0.0.1:8004"
    search_url: str = "http://127.0.0.1:8005"
    outbox_sweep_seconds: float = 5.0
    # An event a consumer has not confirmed this many seconds after its queue stopped holding
    # it (a message lost between Redis and a worker) is sent to that consumer again.
    redeliver_after: float = 10.0
    # PostgreSQL connections each process keeps open, and how many more it may open at peaks
    # (closed again after use). Every API process, worker main process and worker pool child
    # has its own pool: a deployment's total is (size + overflow) * processes, which must fit
    # the server's max_connections (see the README's table). SQLite ignores them.
    db_pool_size: int = 3
    db_max_overflow: int = 3
    # Peers whose X-Forwarded-For names the client (comma-separated addresses, networks or
    # host names: the gateway, and the web for the comments it posts); empty: nobody's, and
    # a request's address is its peer's (shared/proxies.py).
    trusted_proxies: str = ""
    # Request bodies over this many bytes get 413 before anything parses them.
    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    log_format: str = "text"  # or "json": one object per line, for a log collector
    access_log: bool = False  # a log line per HTTP request (with its request id)
    # A worker serves its processes' metrics on this port (containers); with `make run` the
    # service's API serves them.
    worker_metrics_port: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _warn_of_old_names(cls, values: Any) -> Any:
        """Warn of each variable set under a name it no longer has (it is still read, for
        one release, unless its new name is set too)."""
        for new, old in renamed(cls).items():
            if old in _environment():
                _warn(old, new, ignored=new in _environment())
        return values


def renamed(settings: type[BaseSettings]) -> dict[str, str]:
    """The variables of `settings` that had another name before: new name -> old name."""
    names: dict[str, str] = {}
    for field in settings.model_fields.values():
        if isinstance(field.validation_alias, AliasChoices):
            new, old = field.validation_alias.choices
            assert isinstance(new, str) and isinstance(old, str)
            names[new] = old
    return names


def _environment() -> set[str]:
    return {name.upper() for name in os.environ}


def _warn(old: str, new: str, *, ignored: bool) -> None:
    message = (f"{old} is set, but the setting is now {new}, which is set too: {old} is "
               "ignored; unset it" if ignored else
               f"{old} is the old name of {new}: rename it (the old name is read for one more "
               "release)")
    warnings.warn(message, DeprecationWarning, stacklevel=2)
    if old not in _warned:
        _warned.add(old)
        log.warning("%s", message)


class ServiceSettings(Settings):
    """Settings of one service; `database_url` comes from `BURG_<SERVICE>_DATABASE_URL`."""

    service: ClassVar[str]
    # Seconds from one relay round's start to the next's, at least, under a stream of events
    # (shared/relay.py): a service whose events come in streams (comments) gathers them into
    # fewer broker messages; one whose events are few and each wanted at once (posts) sets 0.
    relay_pace: ClassVar[float] = 0.02
    database_url: str = ""

    @property
    def database(self) -> str:
        """The service's database URL: the configured one, or a SQLite file in `data_dir`."""
        return self.database_url or f"sqlite:///{self.data_dir / self.service}.db"


def env(name: str, default: Any, *, was: str | None = None) -> Any:
    """A service's own setting, read from `BURG_<name>` (e.g. "COMMENTS_PREMODERATION").
    `was`: the name it had before, still read (with a warning) for one release."""
    if was is None:
        return Field(default=default, validation_alias=f"BURG_{name}")
    return Field(default=default,
                 validation_alias=AliasChoices(f"BURG_{name}", f"BURG_{was}"))
