"""comment_numbers: each comment's number in its thread and its nic's key

Comments get `number` (#1, #2, … in their thread by order of posting, counted from the
replica's `last_number`) and `nic_key` (the nic's comparison key, for the nic's page). Existing
comments are numbered by id within each article, and keyed from the nic they were posted
under.

Revision ID: c0c1a2b3d4e5
Revises: 9322b5ce134d
Created: 2026-11-28 00:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'c0c1a2b3d4e5'
down_revision: str | None = '9322b5ce134d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('articlereplica', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_number', sa.Integer(), nullable=False,
                                      server_default='0'))
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nic_key', sqlmodel.sql.sqltypes.AutoString(length=40),
                                      nullable=False, server_default=''))
        batch_op.add_column(sa.Column('number', sa.Integer(), nullable=False,
                                      server_default='0'))
    _number_and_key(op.get_bind())
    with op.batch_alter_table('articlereplica', schema=None) as batch_op:
        batch_op.alter_column('last_number', server_default=None)
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.alter_column('nic_key', server_default=None)
        batch_op.alter_column('number', server_default=None)
        batch_op.create_index('ix_comment_nic', ['nic_key', 'id'], unique=False)


def _number_and_key(connection: sa.Connection) -> None:
    """Number the comments by id within each article; key each one's nic."""
    from services.comments.nics import stored_nic_keys

    comment = sa.table('comment', sa.column('id'), sa.column('nic_key'), sa.column('number'))
    last: dict[int, int] = {}
    batch: list[dict[str, object]] = []
    update = comment.update().where(comment.c.id == sa.bindparam('b_id')).values(
        nic_key=sa.bindparam('b_key'), number=sa.bindparam('b_number'))
    for comment_id, article_id, nic in connection.execute(sa.text(
            "SELECT id, article_id, nic FROM comment ORDER BY article_id, id")):
        last[article_id] = last.get(article_id, 0) + 1
        batch.append({"b_id": comment_id, "b_key": stored_nic_keys(nic).key,
                      "b_number": last[article_id]})
        if len(batch) >= 1000:
            connection.execute(update, batch)
            batch = []
    if batch:
        connection.execute(update, batch)
    replica = sa.table('articlereplica', sa.column('article_id'), sa.column('last_number'))
    for article_id, number in last.items():
        connection.execute(replica.update().where(replica.c.article_id == article_id)
                           .values(last_number=number))


def downgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_nic')
        batch_op.drop_column('number')
        batch_op.drop_column('nic_key')
    with op.batch_alter_table('articlereplica', schema=None) as batch_op:
        batch_op.drop_column('last_number')
