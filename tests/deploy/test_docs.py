"""The repository carries its own design: nothing in it cites a design document it does not
contain, and every file `docs/architecture.md` names (in backticks) or links to exists."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
ARCHITECTURE = ROOT / "docs" / "architecture.md"
# Not written out whole, so that this file does not cite it either.
OUTSIDE_DOCUMENT = re.compile("DESIGN" + r"\.md", re.IGNORECASE)
# Not the repository's own files: tools' caches, the virtualenv, run artefacts.
NOT_OURS = {".git", ".venv", "var", "__pycache__", ".mypy_cache", ".ruff_cache",
            ".pytest_cache", ".hypothesis", "test-artifacts", "node_modules"}
FILE_NAME = re.compile(r"^[\w.-]+\.(py|md|ya?ml|sql|conf|toml|lock|html|js|css|mako)$|"
                       r"^(Makefile|Dockerfile)$")


def repository_files() -> Iterator[Path]:
    """Every file of the repository, tools' caches and run artefacts left out."""
    for path in sorted(ROOT.rglob("*")):
        parts = path.relative_to(ROOT).parts
        if path.is_file() and not NOT_OURS.intersection(parts) and not any(
                part.endswith(".egg-info") for part in parts):
            yield path


def named_paths(markdown: str) -> list[str]:
    """What the text names in backticks that is a file or folder: a path with a slash, or a
    file's name (`models.py`, `Makefile`); commands, keys and code are not."""
    tokens = re.findall(r"`([^`\s]+)`", markdown)
    return [token for token in tokens if "://" not in token
            and ("/" in token or FILE_NAME.match(token))]


def exists(named: str) -> bool:
    """Whether `named` is in the repository: a path from its root (`<name>` standing for any
    one part), or, a bare file name, a file of that name anywhere in it."""
    if "/" not in named:
        return any(path.name == named for path in repository_files())
    pattern = re.sub(r"<[^>/]*>", "*", named.rstrip("/"))
    return any(True for _ in ROOT.glob(pattern))


def anchor(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_no_file_cites_a_design_document_the_repository_does_not_contain() -> None:
    citing = [str(path.relative_to(ROOT)) for path in repository_files()
              if OUTSIDE_DOCUMENT.search(path.read_bytes().decode("utf-8", "replace"))]
    assert not citing, f"these cite a document a clone does not have: {citing}"


@pytest.mark.parametrize("named", sorted(set(named_paths(ARCHITECTURE.read_text()))))
def test_every_path_the_architecture_names_exists(named: str) -> None:
    assert exists(named), f"docs/architecture.md names `{named}`, which is not in the repository"


def test_the_architecture_names_the_modules_it_explains() -> None:
    """The path test above is no vacuous pass: the document does name files."""
    named = set(named_paths(ARCHITECTURE.read_text()))
    assert {"shared/events.py", "shared/outbox.py", "shared/confirmations.py",
            "shared/redelivery.py", "shared/inbox.py", "shared/consumer.py",
            "shared/broker.py", "shared/celery_app.py", "devserver/supervisor.py"} <= named
    assert not exists("shared/no_such_module.py")


@pytest.mark.parametrize("source", [ARCHITECTURE, ROOT / "README.md", ROOT / "bench" / "README.md"],
                         ids=lambda path: str(path.relative_to(ROOT)))
def test_every_link_between_the_documents_leads_somewhere(source: Path) -> None:
    """Relative links (to a file, and to a heading of it) resolve: the README's into the
    architecture, the architecture's back into the README's sections."""
    links = [link for link in re.findall(r"\]\(([^)\s]+)\)", source.read_text())
             if "://" not in link]
    assert links
    for link in links:
        target, _, fragment = link.partition("#")
        document = (source.parent / target).resolve() if target else source
        assert document.exists(), link
        if fragment:
            headings = re.findall(r"^#+ (.+)$", document.read_text(), re.MULTILINE)
            assert fragment in {anchor(h) for h in headings}, link


def test_the_readme_leads_to_the_architecture() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "](docs/architecture.md" in readme
    layout = readme.split("## Repository layout", 1)[1]
    assert "\ndocs/" in layout
