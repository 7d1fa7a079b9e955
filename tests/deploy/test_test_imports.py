"""The tests' own layout: no module under tests/ imports a test module (`test_*.py`).

A helper kept in a test module is run again as a test module wherever it is imported (and its
fixtures are redefined there), and moving or deleting that test breaks tests elsewhere. Shared
helpers live in helper modules (tests/<area>/helpers.py and the like), fixtures in conftest.py.
"""

from pathlib import Path

from tests.deploy.imports import imports

TESTS = Path(__file__).parents[1]


def of_test_modules(found: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Those of `found` that are test modules of ours."""
    return [(line, name) for line, name in found
            if name.split(".")[0] == "tests" and name.split(".")[-1].startswith("test_")]


def test_no_module_under_tests_imports_a_test_module() -> None:
    offences = []
    for path in sorted(TESTS.rglob("*.py")):
        module = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts)
        offences += [f"{path.relative_to(TESTS.parent)}:{line} imports {name}"
                     for line, name in of_test_modules(imports(path.read_text(), module))]
    assert offences == [], "move what these import into a helper module or a conftest.py"


def test_the_check_sees_each_way_of_importing_a_test_module() -> None:
    source = "\n".join([
        "from tests.web.test_pages import opened",
        "from tests.web import test_pages",
        "import tests.shared.test_outbox",
        "from .test_outbox import published",
        "from ..notify.test_replies import FRANK",
        "from tests.shared.helpers import published",  # a helper module: fine
        "from tests.conftest import wait_for",
        "from shared import test_mode",  # not one of the tests
    ])
    assert of_test_modules(imports(source, "tests.shared.test_redelivery")) == [
        (1, "tests.web.test_pages"), (2, "tests.web.test_pages"),
        (3, "tests.shared.test_outbox"), (4, "tests.shared.test_outbox"),
        (5, "tests.notify.test_replies")]
