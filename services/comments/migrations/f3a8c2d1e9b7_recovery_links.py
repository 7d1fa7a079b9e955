"""recovery links: one-time codes e-mailed to a commenter's confirmed address (their hashes)

Revision ID: f3a8c2d1e9b7
Revises: e7f9a1c3b5d2
Created: 2026-11-28 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f3a8c2d1e9b7'
down_revision: str | None = 'e7f9a1c3b5d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'recoverylink',
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('commenter_id', sa.Integer(), nullable=False),
        sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['commenter_id'], ['commenter.id']),
        sa.PrimaryKeyConstraint('code_hash'),
    )
    op.create_index('ix_recoverylink_commenter_id', 'recoverylink', ['commenter_id'])


def downgrade() -> None:
    op.drop_index('ix_recoverylink_commenter_id', table_name='recoverylink')
    op.drop_table('recoverylink')
