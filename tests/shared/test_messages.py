"""The task messages the outbox writes straight onto Redis are the ones Celery's send_task
writes, but for their ids and times; and a worker takes them."""

import base64
import json
from pathlib import Path
from typing import Any

import redis

from shared.celery_app import make_celery
from shared.confirmations import SENT_AT
from shared.embedded_redis import EmbeddedRedis
from shared.messages import TaskMessages
from shared.settings import Settings

EVENTS = [{"id": "e1", "type": "comment.created", "data": {"nic": "Ann"}},
          {"id": "e2", "type": "comment.created", "data": {"nic": "Bob"}}]
VARYING = {"id", "root_id", "correlation_id", "delivery_tag", SENT_AT}


def _without_ids(message: dict[str, Any]) -> dict[str, Any]:
    """A kombu message with its ids and times left out, and its body decoded."""
    return {"body": json.loads(base64.b64decode(message["body"])),
            **{part: {key: value for key, value in message[part].items() if key not in VARYING}
               for part in ("headers", "properties")},
            **{key: value for key, value in message.items()
               if key not in {"body", "headers", "properties"}}}


def test_a_message_written_directly_is_the_one_send_task_writes(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        celery = make_celery("comments", Settings(), server.url)
        shown = "[2 events, comment.created e1…]"
        celery.send_task("feeds.handle_events", args=[EVENTS], queue="feeds", argsrepr=shown,
                         kwargsrepr="{}", headers={SENT_AT: 1.5})
        messages = TaskMessages(celery)
        messages.send([messages.message("feeds.handle_events", EVENTS, "feeds", shown=shown,
                                        headers={SENT_AT: 2.5})])
        theirs, ours = (json.loads(raw) for raw in redis.Redis(port=server.port).lrange(
            "feeds", 0, -1)[::-1])
        assert _without_ids(ours) == _without_ids(theirs)
        assert ours["headers"][SENT_AT] == 2.5
        assert ours["headers"]["id"] == ours["headers"]["root_id"] == ours["properties"][
            "correlation_id"] != theirs["headers"]["id"]
        assert ours["properties"]["delivery_tag"] != theirs["properties"]["delivery_tag"]
    finally:
        server.stop()


def test_one_round_trip_pushes_every_queues_message(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path / "redis").start()
    try:
        messages = TaskMessages(make_celery("comments", Settings(), server.url))
        messages.send([messages.message(f"{queue}.handle_event", EVENTS[0], queue, shown="x",
                                        headers={}) for queue in ("feeds", "search", "feeds")])
        client = redis.Redis(port=server.port)
        assert (client.llen("feeds"), client.llen("search")) == (2, 1)
    finally:
        server.stop()
