"""A newcomer's promise, cheaply checked: every service package holds the same files in the
same roles (the README's Architecture section names them), and its API's response shapes
live in its `models.py`, not in `api.py`."""

import ast
from pathlib import Path

import pytest

from shared.events import SERVICES

ROOT = Path(__file__).parents[2]
ROLES = ["bootstrap.py", "api.py", "deps.py", "models.py", "settings.py", "worker.py",
         "cli.py", "migrate.py", "migrations"]


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_holds_the_same_role_files(service: str) -> None:
    package = ROOT / "services" / service
    assert [role for role in ROLES if not (package / role).exists()] == []


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_that_consumes_events_builds_its_handlers_alike(service: str) -> None:
    """`tasks.py`, where there is one, has `handlers(settings)` (its worker's table)."""
    tasks = ROOT / "services" / service / "tasks.py"
    if tasks.exists():
        tree = ast.parse(tasks.read_text())
        [table] = [node for node in tree.body
                   if isinstance(node, ast.FunctionDef) and node.name == "handlers"]
        assert [arg.arg for arg in table.args.args] == ["settings"]


@pytest.mark.parametrize("service", SERVICES)
def test_an_api_module_defines_no_shapes_of_its_own(service: str) -> None:
    tree = ast.parse((ROOT / "services" / service / "api.py").read_text())
    assert [node.name for node in tree.body if isinstance(node, ast.ClassDef)] == []
