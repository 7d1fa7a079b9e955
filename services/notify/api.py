"""The notify API, under `/notify` (confirmation and unsubscribe pages come here)."""

from services.notify.bootstrap import settings
from shared.api import create_app

app = create_app(title="Burg notify", description="Reply e-mails and their subscriptions.",
                 max_body_bytes=settings.max_body_bytes)
