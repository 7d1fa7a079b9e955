"""commenters may keep a recovery code (its hash), to get their nics back in a new browser

Revision ID: d1e2f3a4b5c6
Revises: aaf75f3b501d
Created: 2026-11-28 04:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd1e2f3a4b5c6'
down_revision: str | None = 'aaf75f3b501d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('commenter', sa.Column('recovery_hash', sa.String(length=64), nullable=True))
    op.create_index('ix_commenter_recovery_hash', 'commenter', ['recovery_hash'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_commenter_recovery_hash', table_name='commenter')
    with op.batch_alter_table('commenter') as batch:
        batch.drop_column('recovery_hash')
