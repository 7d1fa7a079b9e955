"""one address row per mailbox: existing addresses normalised, variants merged

Revision ID: 5f3c2a9e8b41
Revises: d7488df3e32a
Created: 2026-11-27 10:40:00

Addresses used to be stored lower-cased only, so `frank@bücher.de` and
`frank@xn--bcher-kva.de` (or an address with an encoded word in it) were separate rows, each
allowed its own confirmation request a day. Now every address is stored lower-cased with its
domain in ASCII (IDNA): this rewrites the rows that predate that, and merges the rows that
become one. The merged row keeps the oldest id, every subscription and e-mail of the others,
the latest confirmation request, and the most careful consent (a bounce, or a "stop" given
under any spelling, wins over a confirmation). Links signed for a merged-away row stop
working ("not valid any more"); its owner asks again. A downgrade leaves the rows as they
are: they are valid rows for the older code too.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from email_validator import EmailNotValidError, validate_email

revision: str = '5f3c2a9e8b41'
down_revision: str | None = 'd7488df3e32a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Most careful first: what the merged row keeps.
CAREFUL = ("bounced", "unsubscribed", "confirmed", "unconfirmed")

address = sa.table("address", sa.column("id", sa.Integer), sa.column("email", sa.String),
                   sa.column("consent", sa.String),
                   sa.column("confirmation_sent_at", sa.DateTime),
                   sa.column("changed_at", sa.DateTime))
subscription = sa.table("subscription", sa.column("address_id", sa.Integer))
delivery = sa.table("delivery", sa.column("address_id", sa.Integer))


def normalised(email: str) -> str:
    """As the service stores an address now: lower-cased, the domain in ASCII. A row the
    checks of today would refuse (it could never be mailed) is only lower-cased."""
    try:
        checked = validate_email(email.strip(), check_deliverability=False,
                                 globally_deliverable=False, test_environment=True)
    except EmailNotValidError:
        return email.strip().lower()
    return (checked.ascii_email or checked.normalized).lower()


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(sa.select(address).order_by(address.c.id)).all()
    groups: dict[str, list[sa.Row]] = {}
    for row in rows:
        groups.setdefault(normalised(row.email), []).append(row)
    for key, group in groups.items():
        keep, others = group[0], group[1:]
        if not others and keep.email == key:
            continue
        for other in others:
            for table in (subscription, delivery):
                connection.execute(sa.update(table).where(table.c.address_id == other.id)
                                   .values(address_id=keep.id))
            connection.execute(sa.delete(address).where(address.c.id == other.id))
        sent = [row.confirmation_sent_at for row in group if row.confirmation_sent_at]
        connection.execute(sa.update(address).where(address.c.id == keep.id).values(
            email=key,
            consent=min((row.consent for row in group), key=CAREFUL.index),
            confirmation_sent_at=max(sent) if sent else None,
            changed_at=max(row.changed_at for row in group)))


def downgrade() -> None:
    pass
