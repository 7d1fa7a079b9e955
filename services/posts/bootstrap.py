"""The posts service's composition root: settings, database, Celery and outbox, wired once."""

from services.posts.migrate import MIGRATIONS
from services.posts.models import PostsTable
from services.posts.settings import PostsSettings
from shared.runtime import build_runtime

settings = PostsSettings()
runtime = build_runtime(settings, PostsTable.metadata, MIGRATIONS)
