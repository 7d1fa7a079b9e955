"""`Outbox.add_all`: many events stored in one statement (an import's), each sent once after
the commit as `add`'s are."""

from pathlib import Path

import redis

from shared.embedded_redis import EmbeddedRedis
from tests.shared.helpers import make_outbox, published, queued_event_ids


def test_events_added_together_are_each_sent_once_in_order(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        outbox, sessions = make_outbox(tmp_path, server.port)
        events = [published(article_id) for article_id in range(1, 121)]
        with sessions() as session:
            outbox.add_all(session, events)
            outbox.add_all(session, [])
            assert outbox.backlog() == 0  # not committed yet: nothing to see
            session.commit()
        assert outbox.backlog() == 0
        assert outbox.sweep() == 0
        sent = queued_event_ids(redis.Redis(port=server.port), "feeds")
        with outbox.engine.connect() as connection:
            stored = [row.event_id for row in connection.execute(
                outbox.table.select().order_by(outbox.table.c.seq))]
        assert sorted(sent) == sorted(stored) and len(set(stored)) == 120
    finally:
        server.stop()
