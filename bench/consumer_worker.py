"""The consumer of `bench.consumer_cpu` (`celery -A bench.consumer_worker worker -Q benchq`):
a service whose one handler writes one row, so that the worker's CPU is what taking an event
costs (the task, the inbox, the confirmation), not what a service does with it."""

from sqlalchemy import Column, Integer, MetaData, Table, insert
from sqlmodel import Session

from shared.events import ArticleRetracted
from shared.runtime import build_runtime
from shared.settings import ServiceSettings


class BenchSettings(ServiceSettings):
    service = "benchq"


metadata = MetaData()
handled = Table("handled", metadata, Column("article_id", Integer, nullable=False))


def handle(session: Session, event: ArticleRetracted) -> None:
    session.execute(insert(handled).values(article_id=event.article_id))


runtime = build_runtime(BenchSettings(), metadata)
runtime.consume({"article.retracted": handle})
app = runtime.celery
