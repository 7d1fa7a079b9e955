"""The migration that numbers comments: existing comments get their number in their thread
by id within each article, and their nic's key; each article's replica the last number
given, so that the next comment takes the one after."""

from pathlib import Path

from alembic import command

from services.comments.migrate import MIGRATIONS
from shared.migrations import config
from tests.databases import database_url, metadata_of, migrated, sql

BEFORE = "b5368fc0144b"  # the last revision without numbers


def test_existing_comments_are_numbered_by_id_within_each_article(tmp_path: Path) -> None:
    url = database_url(tmp_path, "comments")
    command.upgrade(config(url, metadata_of("comments"), MIGRATIONS), BEFORE)
    sql(url, "INSERT INTO commenter (id, token_hash, original_nic, comment_count, approved,"
             " banned, created_at) VALUES (1, :hash, 'x', 0, false, false, "
             "'2026-01-01 00:00:00')", hash="1" * 64)
    for article in (7, 8, 9):
        sql(url, "INSERT INTO articlereplica (article_id, slug, title, url, retracted, "
                 "comment_count, followed) VALUES (:a, :s, 'T', 'u', false, 0, false)",
            a=article, s=f"a{article}")
    # (id, article, nic, status): ids interleave across articles; a deleted one keeps its number
    rows = [(1, 7, "ADMIN", "visible"), (2, 8, "Bob", "visible"), (3, 7, "bob", "deleted"),
            (4, 7, "\uff22\uff4f\uff42", "visible"), (5, 8, "x", "hidden")]
    for comment_id, article, nic, status in rows:
        sql(url, "INSERT INTO comment (id, article_id, path, depth, commenter_id, nic, body, "
                 "body_html, status, notify_replies, created_at) VALUES (:id, :a, :p, 0, 1, "
                 ":nic, 'b', 'b', :st, false, '2026-01-01 00:00:00')",
            id=comment_id, a=article, p=f"{comment_id:08x}", nic=nic, st=status)

    migrated("comments", url)

    assert sql(url, "SELECT id, number, nic_key FROM comment ORDER BY id") == [
        (1, 1, "admin"), (2, 1, "bob"), (3, 2, "bob"), (4, 3, "bob"), (5, 2, "x")]
    assert sql(url, "SELECT article_id, last_number FROM articlereplica ORDER BY article_id"
               ) == [(7, 3), (8, 2), (9, 0)]
