"""The posts service on a database of its own, for the tests that run it in process."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.posts.bootstrap import Service, bootstrap
from services.posts.editors import create_editor
from tests.databases import database_url, migrated


@pytest.fixture
def posts(tmp_path: Path, in_process_redis_url: str) -> Iterator[Service]:
    """The posts service on a database of its own, with the editor "Nic"."""
    service = bootstrap(database_url=migrated("posts", database_url(tmp_path, "posts")),
                        redis_url=in_process_redis_url, data_dir=tmp_path)
    with service.runtime.sessions() as session:
        create_editor(session=session, outbox=service.runtime.outbox, nic="Nic")
    try:
        yield service
    finally:
        service.runtime.engine.dispose()
