"""imports remember what they made of each record (importedrecord), and an imported article
its address on the site it came from

Revision ID: 5a7c9e1b3d20
Revises: b7c3e1a9d2f4
Created: 2026-11-28 07:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5a7c9e1b3d20'
down_revision: str | None = 'b7c3e1a9d2f4'
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
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported_from', sa.String(length=2000), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('imported_from')
    op.drop_table('importedrecord')
