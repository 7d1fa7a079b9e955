"""What operators use on a running Burg: /healthz, /readyz, /metrics on every API, and a
request id that follows an event from the API into the workers' log lines."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from shared.embedded_redis import EmbeddedRedis, free_port
from shared.events import SERVICES
from tests.comments.helpers import open_article
from tests.conftest import Stack, wait_for
from tests.databases import database_url, migrated

APIS = SERVICES


def test_every_api_is_alive_and_ready(stack: Stack) -> None:
    for service in APIS:
        assert httpx.get(f"{stack.urls[service]}/healthz").json() == {"status": "ok"}
        ready = httpx.get(f"{stack.urls[service]}/readyz")
        assert ready.status_code == 200, (service, ready.text)
        assert ready.json() == {"status": "ready", "database": "ok", "redis": "ok"}


def test_readyz_names_the_dependency_that_is_down(tmp_path: Path) -> None:
    redis = EmbeddedRedis(tmp_path / "redis").start()
    port = free_port()
    env = dict(os.environ, BURG_DATA_DIR=str(tmp_path), BURG_REDIS_URL=redis.url,
               BURG_POSTS_DATABASE_URL=migrated("posts", database_url(tmp_path, "posts")))
    api = subprocess.Popen([sys.executable, "-m", "uvicorn", "services.posts.api:main", "--factory",
                            "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/readyz"
    try:
        def answer() -> httpx.Response | None:
            try:
                return httpx.get(url)
            except httpx.HTTPError:
                return None

        assert wait_for(answer, what="the API").status_code == 200
        redis.stop()
        down = httpx.get(url, timeout=10)
        assert down.status_code == 503
        assert down.json()["database"] == "ok" and down.json()["redis"].startswith("down: ")
        assert httpx.get(url.replace("readyz", "healthz")).status_code == 200  # still alive
    finally:
        api.terminate()
        api.wait(timeout=30)


def test_metrics_count_requests_and_events_and_show_backlogs(stack: Stack) -> None:
    article = open_article(stack)
    comments = stack.client("comments")
    posted = comments.post(f"/articles/{article}/comments",
                           json={"nic": f"Metered {uuid.uuid4().hex[:6]}", "body": "Count me."})
    assert posted.status_code == 201
    page = httpx.get(f"{stack.urls['comments']}/metrics")
    assert page.headers["content-type"].startswith("text/plain")
    # Counted as the response leaves: a moment after the client has it.
    counted = ('burg_http_requests_total{method="POST",route="/api/comments/articles/{article_id}'
               '/comments",service="comments",status="201"}')

    def metrics_with_the_request() -> str | None:
        text = httpx.get(f"{stack.urls['comments']}/metrics").text
        return text if counted in text else None

    text = wait_for(metrics_with_the_request, what="the request counted")
    assert 'burg_http_request_seconds_bucket{' in text
    assert 'burg_outbox_backlog{service="comments"}' in text
    assert 'burg_queue_length{queue="feeds"}' in text
    # The comment's event: published by comments (its API process), consumed by feeds.
    wait_for(lambda: 'burg_events_total{outcome="published",service="comments",type='
             '"comment.created"}' in httpx.get(f"{stack.urls['comments']}/metrics").text,
             what="the published counter")
    wait_for(lambda: 'burg_events_total{outcome="consumed",service="feeds",type='
             '"comment.created"}' in httpx.get(f"{stack.urls['feeds']}/metrics").text,
             what="the consumed counter, from the feeds worker's processes")


def test_a_request_id_follows_the_event_into_the_worker_logs(stack: Stack) -> None:
    article = open_article(stack)
    request_id = f"test-{uuid.uuid4().hex}"
    posted = stack.client("comments").post(
        f"/articles/{article}/comments", headers={"X-Request-ID": request_id},
        json={"nic": f"Traced {uuid.uuid4().hex[:6]}", "body": "Follow me."})
    assert posted.headers["x-request-id"] == request_id
    log = stack.data_dir / "devserver.log"
    line = wait_for(lambda: next((line for line in log.read_text().splitlines()
                                  if request_id in line and "comment.created" in line
                                  and "feeds-worker" in line), None),
                    what="a feeds worker line with the request id")
    assert "handled" in line
    # A request id that is not sane is replaced, not echoed into logs and headers.
    odd = stack.client("comments").get(f"/articles/{article}/comments",
                                       headers={"X-Request-ID": "bad id\tinjected"})
    assert odd.headers["x-request-id"] != "bad id\tinjected"


def test_json_logs_are_one_object_per_line_with_service_and_request_id() -> None:
    script = ("import logging\n"
              "from shared.observability import REQUEST_ID, configure_logging\n"
              "configure_logging('posts', 'INFO', 'json')\n"
              "REQUEST_ID.set('req-42')\n"
              "logging.getLogger('burg.test').info('published %s', 'article 7')\n"
              "try:\n    1 / 0\nexcept ZeroDivisionError:\n"
              "    logging.getLogger('burg.test').exception('it failed')\n")
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=60)
    first, second = (json.loads(line) for line in run.stderr.strip().splitlines())
    assert first["message"] == "published article 7" and first["level"] == "INFO"
    assert first["service"] == "posts" and first["request_id"] == "req-42"
    assert first["logger"] == "burg.test" and first["time"]
    assert "ZeroDivisionError" in second["exception"]
