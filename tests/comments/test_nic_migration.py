"""The migration that keys stored nics: nics stored before the new comparison get their keys;
of those that now compare equal, the oldest holder keeps theirs; an editor's nic is the
editor's; the editors' replica becomes one row per editor."""

import hashlib
from pathlib import Path

from alembic import command

from services.comments.migrate import MIGRATIONS
from shared.migrations import config
from tests.databases import database_url, metadata_of, migrated, sql

BEFORE = "65b1a49cd39d"  # the last revision that compared nics case-folded


def test_stored_nics_get_keys_and_the_oldest_holder_keeps_a_look(tmp_path: Path) -> None:
    url = database_url(tmp_path, "comments")
    command.upgrade(config(url, metadata_of("comments"), MIGRATIONS), BEFORE)
    nics = [  # (commenter, nic, minute): all accepted by the old casefold() comparison
        (1, "admin", 1), (2, "\u0410dmin", 2), (3, "\uff41\uff44\uff4d\uff49\uff4e", 3),
        (4, "admin\u200b", 4), (5, "Steve Whit\u0435", 5), (6, "Frank G", 6),
        (1, "AdMiN2", 7), (6, "Frank\u00a0G", 8),
    ]
    for commenter in {c for c, _, _ in nics}:
        sql(url, "INSERT INTO commenter (id, token_hash, original_nic, comment_count, approved,"
                 " banned, created_at) VALUES (:id, :hash, 'x', 0, false, false, "
                 "'2026-01-01 00:00:00')", id=commenter, hash=f"{commenter:064d}")
    for commenter, nic, minute in nics:
        sql(url, "INSERT INTO nic (key, nic, commenter_id, created_at) VALUES "
                 "(:key, :nic, :commenter, :at)", key=nic.casefold(), nic=nic,
            commenter=commenter, at=f"2026-01-01 00:{minute:02d}:00")
    token = hashlib.sha256(b"old").hexdigest()
    for token_hash, revoked in ((token, True), ("b" * 64, False)):
        sql(url, "INSERT INTO editorreplica (token_hash, nic, revoked) VALUES (:t, :n, :r)",
            t=token_hash, n="Steve White", r=revoked)

    migrated("comments", url)

    kept = sql(url, "SELECT commenter_id, nic, key FROM nic ORDER BY created_at")
    assert kept == [(1, "admin", "admin"), (6, "Frank G", "frank g"), (1, "AdMiN2", "admin2")]
    assert sql(url, "SELECT nic, token_hash, revoked, version FROM editorreplica") == [
        ("Steve White", "b" * 64, False, 0)]
    assert all(row[0] and row[1] for row in sql(url, "SELECT skeleton, skeleton_cased FROM nic"))
