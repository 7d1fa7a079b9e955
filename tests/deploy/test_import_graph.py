"""The services stay apart in code as in data: no module of a service imports another
service's (what one needs of another comes as events, or for the web over public APIs), and
`shared/` imports no service at all. Read from the source (every import statement, relative
ones resolved, at any depth: inside a function too), so nothing has to be importable."""

from pathlib import Path

from tests.deploy.imports import imports

ROOT = Path(__file__).parents[2]
SERVICES = ROOT / "services"


def service_of(module: str) -> str | None:
    """The service a dotted module name belongs to ("services.posts.api" → "posts")."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "services" else None


def others(source: str, module: str) -> list[tuple[int, str]]:
    """(line, module) of each import in `source` (of `module`) from a service not its own."""
    own = service_of(module)
    return [(line, name) for line, name in imports(source, module)
            if service_of(name) not in (None, own)]


def offences(top: Path) -> list[str]:
    found = []
    for path in sorted(top.rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found += [f"{path.relative_to(ROOT)}:{line} imports {name}"
                  for line, name in others(path.read_text(), module)]
    return found


def test_no_service_imports_another() -> None:
    assert {p.name for p in SERVICES.iterdir() if (p / "__init__.py").exists()} >= {
        "posts", "comments", "notify", "feeds", "search", "web"}
    assert offences(SERVICES) == [], "a service reaches into another's code"


def test_shared_imports_no_service() -> None:
    assert offences(ROOT / "shared") == []


def test_the_check_sees_each_way_of_importing_another_service() -> None:
    source = "\n".join([
        "import services.notify.models",
        "from services.feeds import render",
        "from services import posts",  # its own: fine
        "from ..comments.models import Comment",
        "from . import settings",  # its own: fine
        "def later():",
        "    from services.web import app",
    ])
    assert sorted({(line, service_of(name)) for line, name in
                   others(source, "services.posts.articles")}) == [
        (1, "notify"), (2, "feeds"), (4, "comments"), (7, "web")]
    assert [line for line, _ in others("from services.posts import models",
                                       "shared.db")] == [1, 1]
