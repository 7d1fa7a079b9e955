"""comment feeds read an article's newest comments from one index

Revision ID: 474ca126724b
Revises: 8f78b7b04111
Created: 2026-11-28 14:30:16.883755

An article's comment feed reads its newest comments: with an index on the article alone, the
database sorted every comment of the article on each render, which grew with a busy thread
until the feeds worker fell behind. (article_id, created_at, comment_id) gives them in order;
it also serves what the article-only index did.
"""

from collections.abc import Sequence

from alembic import op

revision: str = '474ca126724b'
down_revision: str | None = '8f78b7b04111'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('feedcomment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedcomment_article_id'))
        batch_op.create_index('ix_feedcomment_article_newest',
                              ['article_id', 'created_at', 'comment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('feedcomment', schema=None) as batch_op:
        batch_op.drop_index('ix_feedcomment_article_newest')
        batch_op.create_index(batch_op.f('ix_feedcomment_article_id'), ['article_id'],
                              unique=False)
