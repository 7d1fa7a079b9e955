"""stored feeds render again, with text escaped for readers

Revision ID: b642dcbe6623
Revises: 3f1d0c2a9b7e
Created: 2026-11-27 11:00:00.000000
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'b642dcbe6623'
down_revision: str | None = '3f1d0c2a9b7e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The document a stored path belongs to, as services.feeds.stale names it.
_KEYS = [(re.compile(r'(site|comments)\.\w+'), '{0}'),
         (re.compile(r'categories/(.+)\.\w+'), 'category:{0}'),
         (re.compile(r'articles/(\d+)/comments\.\w+'), 'article:{0}')]


def upgrade() -> None:
    # Documents rendered before this revision may carry a reader live markup (text put
    # unescaped into RSS titles and descriptions, bodies not sanitised again): mark each
    # stale, so that the feeds worker's periodic round renders it again (and the ETag moves).
    connection = op.get_bind()
    paths = connection.execute(sa.text('SELECT path FROM feeddocument')).scalars().all()
    keys = sorted({key for path in paths if (key := _key(path))})
    stale = sa.table('feedstale', sa.column('key', sa.String()), sa.column('version', sa.Integer()),
                     sa.column('since', sqlmodel.sql.sqltypes.UTCDateTime()),
                     sa.column('event_id', sa.String()), sa.column('event_type', sa.String()),
                     sa.column('attempts', sa.Integer()))
    already = set(connection.execute(sa.select(stale.c.key)).scalars().all())
    now = datetime.now(UTC)
    for key in keys:
        if key not in already:
            connection.execute(stale.insert().values(
                key=key, version=1, since=now, event_id='', event_type='upgrade', attempts=0))


def downgrade() -> None:
    pass  # a render more or less changes nothing a downgrade could undo


def _key(path: str) -> str | None:
    for pattern, key in _KEYS:
        if match := pattern.fullmatch(path):
            return key.format(match.group(1))
    return None
