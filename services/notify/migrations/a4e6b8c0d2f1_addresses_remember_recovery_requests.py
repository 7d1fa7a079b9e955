"""addresses remember when recovery links were last asked for (one e-mail a quarter hour)

Revision ID: a4e6b8c0d2f1
Revises: c48759f2806a
Created: 2026-11-28 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'a4e6b8c0d2f1'
down_revision: str | None = 'c48759f2806a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('address') as batch:
        batch.add_column(sa.Column('recovery_asked_at', sqlmodel.sql.sqltypes.UTCDateTime(),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('address') as batch:
        batch.drop_column('recovery_asked_at')
