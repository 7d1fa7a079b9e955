"""The comments service's composition root: settings, database, Celery, outbox and inbox."""

from services.comments.models import CommentsTable
from services.comments.settings import CommentsSettings
from shared.runtime import build_runtime

settings = CommentsSettings()
runtime = build_runtime(settings, CommentsTable.metadata)
