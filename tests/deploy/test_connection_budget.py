"""PostgreSQL connections, budgeted: every process that uses a database has a pool of
`BURG_DB_POOL_SIZE` + `BURG_DB_MAX_OVERFLOW` connections at most, so a deployment's total is
that times its processes. Counted here from the commands themselves (uvicorn's `--workers`, a
worker's main process and its `--concurrency` pool children) for the test suite's stacks,
`make run`, docker-compose.yml and the Kubernetes manifests, and checked against the server's
`max_connections` and the README's table."""

import re
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from devserver.processes import DevSettings, commands
from shared import events
from shared.settings import Settings
from tests.conftest import STACK_ENV, STACKS_AT_ONCE, TEST_POOL
from tests.deploy.compose import OURS, SERVICES, configured
from tests.deploy.manifests import DOCUMENTS, container_env, find

README = (Path(__file__).parents[2] / "README.md").read_text()
SERVER = 100  # PostgreSQL's default max_connections, all the test machine's server allows
RESERVED = 3  # superuser_reserved_connections: not ours to take
# The test process itself: the engines a test makes (each closed after it, see conftest),
# databases.sql's one per database it reads, the admin engine, a CLI command it runs.
TEST_PROCESS = 10
DATABASE_SERVICES = set(events.SERVICES)


def processes(command: Sequence[str]) -> int:
    """How many processes with a database pool `command` runs: an API's uvicorn workers, a
    Celery worker's main process and its pool children (a threads pool: one process)."""
    words = list(command)
    module = next((w for w in words if w.startswith("services.")), "")
    if module.split(".")[1:2] and module.split(".")[1] not in DATABASE_SERVICES:
        return 0  # the web frontend: it calls the APIs
    if "uvicorn" in " ".join(words[:3]) and module:
        return int(words[words.index("--workers") + 1]) if "--workers" in words else 1
    if "celery" in " ".join(words[:3]) and module:
        if "threads" in words:
            return 1
        # Without --concurrency Celery starts a child per CPU: a budget that depends on the
        # machine. Every worker command names it.
        assert "--concurrency" in words, f"no --concurrency: {' '.join(words)}"
        return 1 + int(words[words.index("--concurrency") + 1])
    return 0


def per_process(settings: Settings) -> int:
    return settings.db_pool_size + settings.db_max_overflow


def stack_connections(monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """(processes, connections at most) of one stack as the tests start it."""
    env = STACK_ENV | TEST_POOL
    settings = configured(DevSettings, env, monkeypatch)
    count = sum(processes(shlex.split(c)) for c in commands(settings).values())
    return count, count * per_process(configured(Settings, env, monkeypatch))


def test_the_test_suite_fits_the_servers_connections(monkeypatch: pytest.MonkeyPatch) -> None:
    count, connections = stack_connections(monkeypatch)
    assert count >= 13  # 5 API processes, 4 workers of a main process and a child
    total = STACKS_AT_ONCE * connections + TEST_PROCESS
    assert total <= SERVER - RESERVED, (
        f"{STACKS_AT_ONCE} stacks * {connections} + {TEST_PROCESS} = {total} connections")


def test_a_pool_setting_changes_the_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The budget above is computed from the settings the stacks get, not fixed."""
    _, connections = stack_connections(monkeypatch)
    monkeypatch.setitem(TEST_POOL, "BURG_DB_POOL_SIZE", "3")
    monkeypatch.setitem(TEST_POOL, "BURG_DB_MAX_OVERFLOW", "3")
    _, bigger = stack_connections(monkeypatch)
    assert bigger == 3 * connections and STACKS_AT_ONCE * bigger > SERVER


def readme_row(deployment: str) -> list[int]:
    """The numbers in the README's connection table row of `deployment`."""
    [row] = [line for line in README.splitlines() if line.startswith(f"| {deployment} |")]
    return [int(n.replace(",", "")) for n in re.findall(r"\b\d[\d,]*\b", row)]


def test_make_run_on_postgresql_fits_and_the_readme_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    settings = configured(DevSettings, {}, monkeypatch)
    count = sum(processes(shlex.split(c)) for c in commands(settings).values())
    connections = count * per_process(configured(Settings, {}, monkeypatch))
    assert connections <= SERVER - RESERVED
    assert readme_row("`make run`")[:2] == [count, connections]


def test_compose_fits_its_servers_max_connections_and_the_readme_says_so(
        monkeypatch: pytest.MonkeyPatch) -> None:
    count, connections = 0, 0
    for spec in OURS.values():
        n = processes(spec["command"])
        count += n
        connections += n * per_process(configured(Settings, spec["environment"], monkeypatch))
    command = SERVICES["postgres"]["command"]
    limit = int(next(w.split("=")[1] for w in command if w.startswith("max_connections=")))
    a_cli_command = per_process(configured(Settings, OURS["posts-api"]["environment"],
                                           monkeypatch))
    assert connections + a_cli_command <= limit - RESERVED, (connections, limit)
    assert readme_row("docker-compose.yml")[:3] == [count, connections, limit]


def replicas(name: str) -> tuple[int, int]:
    """(least, most) replicas of a Deployment, from its autoscaler if it has one."""
    for document in DOCUMENTS:
        target = document.get("spec", {}).get("scaleTargetRef", {}).get("name")
        if target == name and document["kind"] == "HorizontalPodAutoscaler":
            return document["spec"]["minReplicas"], document["spec"]["maxReplicas"]
        if target == name and document["kind"] == "ScaledObject":
            return document["spec"]["minReplicaCount"], document["spec"]["maxReplicaCount"]
    replicas_: int = find("Deployment", name)["spec"]["replicas"]
    return replicas_, replicas_


def test_kubernetes_counts_are_in_the_readme(monkeypatch: pytest.MonkeyPatch) -> None:
    """Between the replicas' least and most; far past a server's default: PgBouncer."""
    least = most = fewest = most_processes = 0
    for document in DOCUMENTS:
        if document["kind"] != "Deployment":
            continue
        [container] = document["spec"]["template"]["spec"]["containers"]
        env: Mapping[str, Any] = container_env(container)
        count = processes(container["command"])
        each = count * per_process(configured(Settings, env, monkeypatch))
        low, high = replicas(document["metadata"]["name"])
        least, most = least + low * each, most + high * each
        fewest, most_processes = fewest + low * count, most_processes + high * count
    assert readme_row("Kubernetes")[:4] == [fewest, most_processes, least, most]
