"""docker-compose.yml as the deployment tests read it: its containers, ours among them, and
the settings and stop time a container's environment gives it."""

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest
import yaml
from pydantic_settings import BaseSettings

from services.comments.settings import CommentsSettings
from services.feeds.settings import FeedsSettings
from services.notify.sender import stop_budget as sending_stop_budget
from services.notify.settings import NotifySettings
from services.posts.settings import PostsSettings
from services.search.settings import SearchSettings
from services.web.settings import WebSettings
from shared.celery_app import STOP_MARGIN, time_limits

ROOT = Path(__file__).parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
OURS = {name: spec for name, spec in SERVICES.items()
        if str(spec.get("image", "")).startswith("${BURG_IMAGE")}
SETTINGS: dict[str, type[BaseSettings]] = {
    "posts": PostsSettings, "comments": CommentsSettings, "notify": NotifySettings,
    "feeds": FeedsSettings, "search": SearchSettings, "web": WebSettings}
WORKERS = sorted(name for name, spec in OURS.items() if spec["command"][0] == "celery")
S = TypeVar("S", bound=BaseSettings)


def service_of(container: str) -> str:
    """The service a container belongs to ("notify" for "notify-worker")."""
    return container.split("-")[0]


def configured(settings: type[S], env: Mapping[str, Any], monkeypatch: pytest.MonkeyPatch) -> S:
    """`settings` as a container with the environment `env` reads them: nothing else of ours
    set, `${X:-default}` as its default, `${X:?…}` (a secret to supply) left out."""
    for name in list(os.environ):
        if name.startswith("BURG_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        text = "" if value is None else str(value)
        if default := re.fullmatch(r"\$\{\w+:-(.*)\}", text):
            text = default[1]
        if text and "${" not in text:
            monkeypatch.setenv(name, text)
    return settings()


def stop_budget(container: str, env: Mapping[str, Any], monkeypatch: pytest.MonkeyPatch
                ) -> float:
    """Seconds the worker in `container` needs to stop warmly, as the code bounds them: its
    longest task (the hard time limit), or notify's sending threads, or a WebSub ping's wait
    (the threads pool enforces no time limit), whichever is longest; plus the margin for
    handing held messages back."""
    settings: Any = configured(SETTINGS[service_of(container)], env, monkeypatch)
    budget = float(time_limits(settings)[0])
    if container == "notify-worker":
        budget = max(budget, sending_stop_budget(settings))
    if container == "feeds-websub":
        budget = max(budget, settings.websub_timeout)
    return budget + STOP_MARGIN
