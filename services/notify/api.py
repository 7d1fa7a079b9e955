"""The notify API, under `/notify` (confirmation and unsubscribe pages come here)."""

from services.notify.bootstrap import runtime  # noqa: F401 - creates the schema at start
from shared.api import create_app

app = create_app(title="Burg notify", description="Reply e-mails and their subscriptions.")
