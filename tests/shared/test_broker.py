"""The Redis transport every service's Celery app uses (`shared/broker.py`), on a real Redis:
what a worker holds goes back to the queue, or stays safe in Redis, whatever state the
connection is in when it hands it back."""

from pathlib import Path

from kombu import Connection, Exchange, Queue
from redis import Redis

from shared.celery_app import make_celery
from shared.embedded_redis import EmbeddedRedis
from shared.settings import Settings


def held_message(connection: Connection) -> tuple[object, Queue]:
    """A channel of `connection` holding one unacknowledged message of queue "q"."""
    channel = connection.channel()
    queue = Queue("q", Exchange("q"), routing_key="q")(channel)
    queue.declare()
    connection.Producer(channel).publish({"event": 1}, exchange="q", routing_key="q",
                                         serializer="json")
    message = queue.get(no_ack=False)
    assert message is not None and message.payload == {"event": 1}
    return channel, queue


def test_a_held_message_goes_back_after_the_transport_was_closed(tmp_path: Path) -> None:
    """Celery may close the transport before a channel hands back what it held; kombu's own
    transport then raised AttributeError ('NoneType' … 'hostname') and ended the worker."""
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        connection = make_celery("q", Settings(), redis.url).connection_for_write()
        channel, _queue = held_message(connection)
        connection._do_close_transport()  # what a lost connection does first
        channel.close()  # hands back what it held
        assert Redis.from_url(redis.url).llen("q") == 1
    finally:
        redis.stop()


def test_a_held_message_stays_in_redis_when_it_cannot_go_back(tmp_path: Path) -> None:
    """Redis is away when the channel closes: no exception (it would end the worker), and
    the message is still in Redis's unacknowledged set once Redis is back."""
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        connection = make_celery("q", Settings(), redis.url).connection_for_write()
        channel, _queue = held_message(connection)
        redis.stop()
        connection._do_close_transport()
        channel.close()
        redis.start()
        assert Redis.from_url(redis.url).hlen("unacked") == 1
    finally:
        redis.stop()


def test_one_client_sends_and_acks_across_a_redis_restart(tmp_path: Path) -> None:
    """Sending and acknowledging make no new Redis client each (kombu's did, at the CPU cost
    of a round trip); the one kept reconnects through its pool when Redis comes back."""
    redis = EmbeddedRedis(tmp_path / "redis").start()
    try:
        connection = make_celery("q", Settings(), redis.url).connection_for_write()
        channel, queue = held_message(connection)
        made: list[object] = []
        create = channel._create_client  # type: ignore[attr-defined]
        channel._create_client = lambda *a, **k: made.append(1) or create(*a, **k)  # type: ignore[attr-defined]
        producer = connection.Producer(channel)
        for round_ in range(2):
            for n in range(20):
                producer.publish({"n": n}, exchange="q", routing_key="q", serializer="json")
                message = queue.get(no_ack=False)
                assert message is not None
                message.ack()
            if round_ == 0:
                redis.stop()
                redis.start()  # the pool's connections are dead now
        assert len(made) <= 1
        client = Redis.from_url(redis.url)
        assert client.llen("q") == 0 and client.hlen("unacked") == 1  # held_message's own
    finally:
        redis.stop()
