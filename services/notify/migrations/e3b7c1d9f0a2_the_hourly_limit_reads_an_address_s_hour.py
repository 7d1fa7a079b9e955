"""the hourly limit reads an address's e-mails of the hour by one index (address, time)

Revision ID: e3b7c1d9f0a2
Revises: a4e6b8c0d2f1
Created: 2026-11-28 15:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = 'e3b7c1d9f0a2'
down_revision: str | None = 'a4e6b8c0d2f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The new index serves every lookup by address the old one did.
    op.create_index('ix_delivery_address_id_created_at', 'delivery', ['address_id', 'created_at'])
    op.drop_index('ix_delivery_address_id', table_name='delivery')


def downgrade() -> None:
    op.create_index('ix_delivery_address_id', 'delivery', ['address_id'])
    op.drop_index('ix_delivery_address_id_created_at', table_name='delivery')
