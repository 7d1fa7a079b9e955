"""What a queue may hold that is no event, pushed onto it as a broken producer, a stray
client or an old deployment would: not JSON, JSON that is no kombu message, a kombu message
that is no Celery task, a task of the queue's own whose body is not JSON, a task nobody has.
Each must reach its service's dead letters, with these types."""

import uuid

from kombu import Connection, Producer
from redis import Redis

from shared.celery_app import make_celery
from shared.settings import Settings

GARBAGE_TYPES = {"message.undecodable", "message.not-a-task", "task.unknown:nosuch.task"}
GARBAGE = 5  # items pushed onto each queue


def push_garbage(redis_url: str, queue: str, own_task: str = "") -> None:
    """Push the GARBAGE items onto `queue`; `own_task` is a task its worker has (by default
    `<queue>.handle_event`)."""
    client = Redis.from_url(redis_url)
    client.lpush(queue, b"\x00this is not JSON {")
    client.lpush(queue, '{"hello": "world"}')
    with Connection(redis_url) as connection:
        producer = Producer(connection.default_channel)
        producer.publish({"just": "data"}, exchange="", routing_key=queue, serializer="json")
        producer.publish(b"{not JSON", exchange="", routing_key=queue,
                         content_type="application/json", content_encoding="utf-8",
                         headers={"task": own_task or f"{queue}.handle_event",
                                  "id": str(uuid.uuid4())})
    make_celery(queue, Settings(), redis_url).send_task("nosuch.task", args=[1], queue=queue)
