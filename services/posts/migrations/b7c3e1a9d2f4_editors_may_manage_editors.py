"""editors may have the right to manage editors

Revision ID: b7c3e1a9d2f4
Revises: 3c1d2e5f7a90
Created: 2026-11-28 04:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7c3e1a9d2f4'
down_revision: str | None = '3c1d2e5f7a90'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Editors made before the right existed have it not: an operator grants it with
    # `create-editor NIC --rotate --admin`.
    with op.batch_alter_table('editor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('can_manage_editors', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('editor', schema=None) as batch_op:
        batch_op.drop_column('can_manage_editors')
