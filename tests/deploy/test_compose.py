"""docker-compose.yml, checked without a Docker engine: every Burg container runs an entry
point that exists, on the port the gateway and its health check expect, with every setting it
needs and none the code does not read."""

import ast
import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from shared import events
from shared.celery_app import STOP_MARGIN, time_limits
from shared.settings import Settings
from tests.deploy.compose import (
    COMPOSE,
    OURS,
    ROOT,
    SERVICES,
    SETTINGS,
    WORKERS,
    configured,
    service_of,
    stop_budget,
)

NGINX = (ROOT / "deploy" / "nginx.conf").read_text()


def env_names(settings: type[BaseSettings]) -> set[str]:
    """Every environment variable a settings class reads under its current name (a renamed
    one's old name, still read for a release, is no name to configure)."""
    names = set()
    for name, field in settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            alias = alias.choices[0]
        names.add(alias if isinstance(alias, str) else f"BURG_{name.upper()}")
    return names


def defines(module: str, name: str) -> bool:
    """Whether `module` exists and assigns `name` at its top level, read without importing it:
    a worker module is an entry point, which wires its service to a database and Redis."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"no module {module}"
    tree = ast.parse(Path(spec.origin).read_text())
    return any(isinstance(node, ast.Assign) and any(
        isinstance(t, ast.Name) and t.id == name for t in node.targets) for node in tree.body)


def seconds(duration: str) -> float:
    """A compose duration such as "1m15s" in seconds."""
    parts = re.fullmatch(r"(?:(\d+)m)?(?:(\d+)s)?", duration)
    assert parts and duration, duration
    return int(parts[1] or 0) * 60 + int(parts[2] or 0)


def test_there_are_the_containers_the_deployment_needs() -> None:
    for name in ("redis", "postgres", "gateway", "mailpit", "flower", "migrate", "web"):
        assert name in SERVICES, name
    for service in events.SERVICES:
        assert {f"{service}-api", f"{service}-worker"} <= OURS.keys()
    redis = " ".join(SERVICES["redis"]["command"])
    assert "--appendonly yes" in redis and "noeviction" in redis
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in SERVICES["gateway"]["volumes"]


@pytest.mark.parametrize("container", sorted(OURS))
def test_each_command_is_an_entry_point_that_exists(container: str) -> None:
    command = OURS[container]["command"]
    text = " ".join(command)
    if command[0] == "uvicorn" and "--factory" in command:
        # An API module wires nothing on import: its factory is there to look at.
        module, factory = command[1].split(":")
        assert callable(getattr(importlib.import_module(module), factory))
    elif command[0] == "uvicorn":
        module, app = command[1].split(":")
        assert defines(module, app)
    elif command[0] == "celery":
        module = command[command.index("-A") + 1]
        assert defines(module, "app")
        # A worker consumes its service's queue (the WebSub pinger, a queue of its own).
        assert command[command.index("-Q") + 1] in (service_of(container), "feeds-websub")
    else:
        modules = re.findall(r"python -m ([\w.]+)", text)
        assert modules, text
        for module in modules:
            assert importlib.util.find_spec(module), module
            assert "__main__" in Path(importlib.util.find_spec(module).origin).read_text()


@pytest.mark.parametrize("container", sorted(name for name in OURS if name.endswith("-api")
                                             or name == "web"))
def test_each_api_listens_where_the_gateway_and_its_health_check_look(container: str) -> None:
    spec = OURS[container]
    port = spec["command"][spec["command"].index("--port") + 1]
    assert f"server {container}:{port};" in NGINX
    assert f"127.0.0.1:{port}/healthz" in " ".join(spec["healthcheck"]["test"])
    # The client's address comes from the gateway's X-Forwarded-For (rate limits count it),
    # which the gateway sets itself rather than passing on the client's; the app trusts it
    # from the gateway (and the web) only, never uvicorn from whoever connects.
    assert "--no-proxy-headers" in spec["command"] and "ports" not in spec
    assert not any("forwarded-allow-ips" in part for part in spec["command"])
    assert spec["environment"]["BURG_TRUSTED_PROXIES"] == "gateway,web"
    assert "gateway" in COMPOSE["services"] and "*" not in spec["environment"][
        "BURG_TRUSTED_PROXIES"]
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in NGINX


@pytest.mark.parametrize("container", sorted(OURS))
def test_each_container_gets_the_settings_it_needs_and_no_unknown_ones(container: str) -> None:
    env: dict[str, Any] = OURS[container].get("environment", {})
    service = service_of(container)
    known = env_names(SETTINGS.get(service, Settings)) | {"PROMETHEUS_MULTIPROC_DIR"}
    if container == "migrate":
        known = set().union(*(env_names(s) for s in SETTINGS.values()))
    unknown = {name for name in env if name not in known}
    assert not unknown, f"{container} sets variables nothing reads: {unknown}"
    if container == "migrate":
        for name in events.SERVICES:
            assert env[f"BURG_{name.upper()}_DATABASE_URL"].endswith(f"@postgres:5432/{name}")
        return
    assert env["BURG_REDIS_URL"] == "redis://redis:6379/0"
    assert env["BURG_SITE_URL"]
    if service in events.SERVICES:
        url = env[f"BURG_{service.upper()}_DATABASE_URL"]
        assert url == f"postgresql+psycopg://burg:burg@postgres:5432/{service}"
    if service == "notify":
        assert env["BURG_NOTIFY_SECRET_KEYS"].startswith("${BURG_NOTIFY_SECRET_KEYS:?")
        assert env["BURG_NOTIFY_SMTP_HOST"] and env["BURG_NOTIFY_SMTP_PORT"]
    if container.endswith("-worker"):
        assert env["BURG_WORKER_METRICS_PORT"] and env["PROMETHEUS_MULTIPROC_DIR"] in (
            OURS[container]["tmpfs"])
    if container == "web":
        for name in ("posts", "comments", "notify"):
            assert env[f"BURG_{name.upper()}_URL"].startswith(f"http://{name}-api:")
        # Its replicas share one key, which is never a constant of ours.
        assert env["BURG_WEB_SECRET_KEYS"].startswith("${BURG_WEB_SECRET_KEYS:?")


def test_the_databases_the_services_use_are_created() -> None:
    created = set(re.findall(r"CREATE DATABASE (\w+);",
                             (ROOT / "deploy" / "postgres-init.sql").read_text()))
    assert created == set(events.SERVICES)


def test_the_image_is_multi_stage_non_root_and_carries_no_test_tools() -> None:
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, flags=re.M)) == 2
    assert re.search(r"^USER 10001:10001$", dockerfile, flags=re.M)
    assert "-r requirements-runtime.lock" in dockerfile
    pins = dict(re.findall(r"^([\w.-]+)==([\w.]+)", (ROOT / "requirements.lock").read_text(),
                           flags=re.M))
    runtime = dict(re.findall(r"^([\w.-]+)==([\w.]+)",
                              (ROOT / "requirements-runtime.lock").read_text(), flags=re.M))
    for tool in ("pytest", "playwright", "ruff", "mypy", "hatchling"):
        assert tool not in runtime
    # The same versions as the suite ran with: `make lock` writes both locks.
    assert {name: pins.get(name) for name in runtime} == runtime


def test_no_access_log_can_hold_a_link_token() -> None:
    """Confirm and unsubscribe links carry signed tokens in their query string."""
    for spec in OURS.values():
        if spec["command"][0] == "uvicorn":
            assert "--no-access-log" in spec["command"]  # Burg logs the route, not the URL
    log_format = NGINX.split("log_format main", 1)[1].split(";", 1)[0]
    assert "$request " not in log_format and '$request"' not in log_format
    assert "$request_uri" not in log_format and "$args" not in log_format
    assert "$http_referer" not in log_format


def test_only_notify_gets_the_key_that_opens_addresses() -> None:
    """The comments API seals e-mail addresses with notify's public key; the private key
    that opens them is in notify's containers and no other."""
    for name, spec in OURS.items():
        env = spec.get("environment", {})
        if service_of(name) == "notify" or name == "migrate":
            assert ("BURG_NOTIFY_PRIVATE_KEYS" in env) == (name != "migrate"), name
        else:
            assert "BURG_NOTIFY_PRIVATE_KEYS" not in env, name
    key = OURS["comments-api"]["environment"]["BURG_COMMENTS_NOTIFY_PUBLIC_KEY"]
    assert key.startswith("${BURG_COMMENTS_NOTIFY_PUBLIC_KEY:?")


@pytest.mark.parametrize("container", WORKERS)
def test_each_worker_is_given_the_time_its_settings_need_to_stop(
        container: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed before its task in hand (or notify's e-mail under way) ends, a worker's held
    messages come back only after the visibility timeout."""
    spec = OURS[container]
    needed = stop_budget(container, spec["environment"], monkeypatch)
    assert seconds(spec["stop_grace_period"]) >= needed, (container, needed)
    settings: Any = configured(SETTINGS[service_of(container)], spec["environment"],
                               monkeypatch)
    hard, soft = time_limits(settings)
    assert soft < hard <= settings.visibility_timeout // 2


def test_the_stop_budget_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the test above compares is computed from the settings, not fixed."""
    env = OURS["notify-worker"]["environment"]
    base = stop_budget("notify-worker", env, monkeypatch)
    assert stop_budget("notify-worker", {**env, "BURG_NOTIFY_SMTP_TOTAL_SECONDS": "600"},
                       monkeypatch) > base
    assert stop_budget("posts-worker", {"BURG_TASK_TIME_LIMIT": "300"},
                       monkeypatch) == 300 + STOP_MARGIN
