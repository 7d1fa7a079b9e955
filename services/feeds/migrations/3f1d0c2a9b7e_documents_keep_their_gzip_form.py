"""documents keep their gzip form

Revision ID: 3f1d0c2a9b7e
Revises: 8142b9c6c7db
Created: 2026-11-27 10:20:00.000000
"""

import gzip
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3f1d0c2a9b7e'
down_revision: str | None = '8142b9c6c7db'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feeddocument', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body_gzip', sa.LargeBinary(), nullable=True))
    # The documents already stored get theirs now, as services.feeds.documents makes it
    # (level 9, no time stamp: equal bytes compress to equal bytes).
    documents = sa.table('feeddocument', sa.column('path', sa.String()),
                         sa.column('body', sa.LargeBinary()),
                         sa.column('body_gzip', sa.LargeBinary()))
    connection = op.get_bind()
    paths = connection.execute(sa.select(documents.c.path)).scalars().all()
    for path in paths:  # one body in memory at a time: a site has thousands of documents
        body = connection.execute(sa.select(documents.c.body)
                                  .where(documents.c.path == path)).scalar_one()
        connection.execute(documents.update().where(documents.c.path == path)
                           .values(body_gzip=gzip.compress(body, compresslevel=9, mtime=0)))
    with op.batch_alter_table('feeddocument', schema=None) as batch_op:
        batch_op.alter_column('body_gzip', existing_type=sa.LargeBinary(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('feeddocument', schema=None) as batch_op:
        batch_op.drop_column('body_gzip')
