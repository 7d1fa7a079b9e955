"""What every Burg service needs: settings, database helpers, events, the Celery factory,
the outbox and the inbox. Nothing here knows about any one service."""
