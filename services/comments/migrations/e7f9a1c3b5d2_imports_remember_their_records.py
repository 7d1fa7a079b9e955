"""imports remember what they made of each record (importedrecord), and an article replica
the address its article had on the site it came from

Revision ID: e7f9a1c3b5d2
Revises: d1e2f3a4b5c6
Created: 2026-11-28 07:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e7f9a1c3b5d2'
down_revision: str | None = 'd1e2f3a4b5c6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'importedrecord',
        sa.Column('source', sa.String(length=40), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('source_id', sa.String(length=200), nullable=False),
        sa.Column('local_id', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('source', 'kind', 'source_id'),
    )
    op.add_column('articlereplica', sa.Column('imported_from', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('articlereplica') as batch:
        batch.drop_column('imported_from')
    op.drop_table('importedrecord')
