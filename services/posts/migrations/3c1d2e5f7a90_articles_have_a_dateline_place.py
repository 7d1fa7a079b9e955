"""articles have a dateline place ("WASHINGTON —")

Revision ID: 3c1d2e5f7a90
Revises: e517f7bbbf25
Created: 2026-11-28 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '3c1d2e5f7a90'
down_revision: str | None = 'e517f7bbbf25'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dateline_place', sa.String(length=60), server_default='',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('dateline_place')
