"""`python -m services.comments.cli import-wordpress FILE.xml`, run in this process on the
service as `bootstrap()` wires it: the summary, its exit code, and a clear error for a file
it cannot use; then the thread as the API shows it."""

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from services.comments import replica
from services.comments.import_commands import import_commands
from shared.cli import run_cli
from shared.events import ArticlePublished
from tests.comments.inprocess import CommentsApi, comments_api

SAMPLE = Path(__file__).parent / "samples" / "wordpress.xml"


@pytest.fixture
def api(tmp_path: Path, in_process_redis_url: str) -> Iterator[CommentsApi]:
    with comments_api(tmp_path, in_process_redis_url) as api:
        now = datetime.now(UTC)
        with api.service.runtime.sessions() as session:
            replica.on_article_published(session, ArticlePublished(
                article_id=11, slug="spring-tides", title="Spring tides", posted_by="Ed",
                url="https://burg.example/articles/spring-tides", category_slug="sea",
                category_name="Sea", dateline=date(2021, 3, 14), summary="",
                body_html="<p>x</p>", published_at=now, updated_at=now,
                comments_close_at=now + timedelta(days=7),
                imported_from="http://harbour-notes.example/2021/03/spring-tides/"))
            session.commit()
        yield api


def cli(api: CommentsApi, *argv: str) -> int:
    runtime = api.service.runtime
    return run_cli(runtime, list(argv), extra=lambda commands: import_commands(runtime, commands))


def test_the_command_imports_and_prints_its_summary(api: CommentsApi,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(api, "import-wordpress", str(SAMPLE)) == 0
    out = capsys.readouterr().out
    assert "comment: 5 imported, 0 already here" in out
    assert "skipped 1 comment: a pingback, not a comment (ids 108)" in out
    assert "no article at http://harbour-notes.example/2021/06/mending-nets" not in out
    assert "no article at https://www.harbour-notes.example/2021/06/mending-nets" in out
    thread = api.client().get("/articles/11/comments").json()
    assert thread["count"] == 5
    assert [c["nic"] for c in thread["comments"] if not c["removed"]][:3] == [
        "Ole Brekke", "Ingrid", "Ole Brekke"]
    assert cli(api, "import-wordpress", str(SAMPLE)) == 0
    assert "comment: 0 imported, 5 already here" in capsys.readouterr().out


def test_a_file_it_cannot_use_is_one_line_and_exit_code_1(
        api: CommentsApi, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(api, "import-wordpress", str(tmp_path / "nowhere.xml")) == 1
    assert "error: cannot read" in capsys.readouterr().err
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(b"\x00\x01 not xml at all")
    assert cli(api, "import-wordpress", str(garbage)) == 1
    assert "is not well-formed XML" in capsys.readouterr().err
    assert cli(api, "import-wordpress", str(tmp_path)) == 1  # a folder
    assert "error: cannot read" in capsys.readouterr().err
