"""nics compared as RFC 8266 and by skeleton; one editor replica per editor, versioned

Every stored nic gets its comparison key and its two skeletons (services/comments/nics.py).
Nics that came to look alike before (a Cyrillic "a" for a Latin one, a zero-width space, an
editor's nic taken by a commenter) keep the oldest holder; the later ones are released (the
comments keep the nic they were posted under; their author can no longer post under it).
An editor replica becomes one row per editor, with the version of the newest event applied.

Revision ID: 3fc792e91d1d
Revises: 65b1a49cd39d
Created: 2026-11-27 10:37:11.715835
"""

import logging
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '3fc792e91d1d'
down_revision: str | None = '65b1a49cd39d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    connection = op.get_bind()
    editors = connection.execute(sa.text(
        "SELECT nic, token_hash, revoked FROM editorreplica ORDER BY revoked DESC")).all()
    op.drop_table('editorreplica')
    replica = op.create_table('editorreplica',
    sa.Column('nic', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('nic'),
    sa.UniqueConstraint('token_hash')
    )
    # One row per editor: the token that still moderates if there is one (read last).
    latest = {nic: (token_hash, revoked) for nic, token_hash, revoked in editors}
    op.bulk_insert(replica, [{"nic": nic[:40], "token_hash": token_hash, "revoked": revoked,
                              "version": 0} for nic, (token_hash, revoked) in latest.items()])

    with op.batch_alter_table('nic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('skeleton', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True))
        batch_op.add_column(sa.Column('skeleton_cased', sqlmodel.sql.sqltypes.AutoString(length=160), nullable=True))
    _key_the_nics(connection, editor_nics=list(latest))
    with op.batch_alter_table('nic', schema=None) as batch_op:
        batch_op.alter_column('skeleton', existing_type=sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False)
        batch_op.alter_column('skeleton_cased', existing_type=sqlmodel.sql.sqltypes.AutoString(length=160), nullable=False)
        batch_op.create_unique_constraint('uq_nic_skeleton', ['skeleton'])
        batch_op.create_unique_constraint('uq_nic_skeleton_cased', ['skeleton_cased'])


def _key_the_nics(connection: sa.Connection, editor_nics: list[str]) -> None:
    """Key every nic; of nics that now compare equal, the oldest holder keeps theirs."""
    from services.comments.nics import stored_nic_keys

    taken: list[set[str]] = [set(), set(), set()]
    for nic in editor_nics:
        for seen, key in zip(taken, stored_nic_keys(nic), strict=True):
            seen.add(key)
    kept, released = [], 0
    rows = connection.execute(sa.text(
        "SELECT key, nic, commenter_id, created_at FROM nic ORDER BY created_at, key")).all()
    for _old, nic, commenter_id, created_at in rows:
        keys = stored_nic_keys(nic)
        if any(key in seen for seen, key in zip(taken, keys, strict=True)):
            released += 1
            continue
        for seen, key in zip(taken, keys, strict=True):
            seen.add(key)
        kept.append({"key": keys.key, "nic": nic, "commenter_id": commenter_id,
                     "created_at": created_at, "skeleton": keys.skeleton,
                     "skeleton_cased": keys.skeleton_cased})
    table = sa.table('nic', sa.column('key'), sa.column('nic'), sa.column('commenter_id'),
                     sa.column('created_at'), sa.column('skeleton'), sa.column('skeleton_cased'))
    connection.execute(table.delete())
    if kept:
        connection.execute(table.insert(), kept)
    if released:
        logging.getLogger("alembic.runtime.migration").warning(
            "%d nics that look like older ones (or an editor's) were released", released)


def downgrade() -> None:
    with op.batch_alter_table('nic', schema=None) as batch_op:
        batch_op.drop_column('skeleton_cased')
        batch_op.drop_column('skeleton')
    # The keys stay: for the nics the older code compared case-folded, they are just that.
    op.drop_table('editorreplica')
    op.create_table('editorreplica',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('nic', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('editorreplica', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_editorreplica_nic'), ['nic'], unique=False)
