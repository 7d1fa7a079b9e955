"""The comments service's composition root: settings, database, Celery, outbox, inbox
and the thread pages."""

from services.comments.migrate import MIGRATIONS
from services.comments.models import CommentsTable
from services.comments.pages import ThreadPages
from services.comments.settings import CommentsSettings
from shared.runtime import build_runtime
from shared.sealing import local_public_key

settings = CommentsSettings()
settings.notify_public_key = settings.notify_public_key or local_public_key(settings.data_dir)
runtime = build_runtime(settings, CommentsTable.metadata, MIGRATIONS)
# Built thread pages; the API and the worker both drop them when they change a thread.
pages = ThreadPages(runtime.celery.conf.broker_url, prefix="burg:comments:thread",
                   max_bytes=settings.page_cache_bytes)
pages.watch(runtime.sessions)
