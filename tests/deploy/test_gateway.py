"""deploy/nginx.conf through Debian's nginx: `nginx -t` accepts it, and run in front of a
running Burg it routes each path prefix to its service. Only the container-specific parts are
changed for this machine: the upstream host names become 127.0.0.1 (and, for the live run,
the test stack's ports), the user and log paths local ones."""

import gzip
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from shared.embedded_redis import free_port
from tests.comments.helpers import open_article
from tests.conftest import GATEWAY_ADDRESS, Stack, wait_for

CONFIG = Path(__file__).parents[2] / "deploy" / "nginx.conf"
UPSTREAMS = {"posts-api": "posts", "comments-api": "comments", "notify-api": "notify",
             "feeds-api": "feeds", "search-api": "search", "web": "site"}


def nginx() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        if os.environ.get("BURG_CI") == "1":
            pytest.fail("nginx is missing: .ci/run installs Debian's nginx")
        pytest.skip("no nginx here (apt-get install nginx)")
    return found


def local_config(folder: Path, listen: int, ports: dict[str, int] | None = None) -> Path:
    text = CONFIG.read_text()
    text = re.sub(r"^user .*;$", "", text, flags=re.M)
    text = text.replace("/var/log/nginx/", f"{folder}/")
    text = text.replace("listen 80;", f"listen 127.0.0.1:{listen};")

    def upstream(match: re.Match[str]) -> str:
        host, port = match.group(1), match.group(2)
        return f"server 127.0.0.1:{ports[host] if ports else port};"

    text = re.sub(r"server ([\w-]+):(\d+);", upstream, text)
    # From the one address the test stack trusts as its gateway (BURG_TRUSTED_PROXIES).
    text = text.replace("proxy_http_version 1.1;",
                        f"proxy_http_version 1.1;\n        proxy_bind {GATEWAY_ADDRESS};")
    path = folder / "nginx.conf"
    path.write_text(text + f"\npid {folder}/nginx.pid;\n")
    return path


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    run = subprocess.run([nginx(), "-t", "-c", str(local_config(tmp_path, free_port())),
                          "-p", str(tmp_path), "-e", "stderr"],
                         capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    assert "syntax is ok" in run.stderr and "test is successful" in run.stderr


@pytest.fixture
def gateway(stack: Stack, tmp_path: Path) -> Iterator[str]:
    binary, port = nginx(), free_port()
    ports = {host: int(stack.urls[name].rsplit(":", 1)[1]) for host, name in UPSTREAMS.items()}
    config = local_config(tmp_path, port, ports)
    process = subprocess.Popen([binary, "-c", str(config), "-p", str(tmp_path), "-e", "stderr",
                                "-g", "daemon off;"], stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/feeds/").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, what="nginx")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_the_gateway_routes_each_prefix_to_its_service(gateway: str) -> None:
    categories = httpx.get(f"{gateway}/api/posts/categories")
    assert categories.status_code == 200 and isinstance(categories.json(), list)
    assert httpx.get(f"{gateway}/api/comments/comments/999999999").json()["detail"]
    check = httpx.post(f"{gateway}/notify/check",
                       json={"purpose": "confirm", "token": "forged.token"})
    assert check.status_code == 400 and "detail" in check.json()
    assert httpx.get(f"{gateway}/feeds/index.json").status_code == 200
    found = httpx.get(f"{gateway}/api/search/", params={"q": "anything"})
    assert found.status_code == 200 and found.json()["results"] == []
    front = httpx.get(f"{gateway}/")
    assert front.status_code == 200 and "<!doctype html>" in front.text.lower()
    # One request id per request, the same the service saw, in one header.
    assert len(categories.headers.get_list("x-request-id")) == 1
    assert re.fullmatch(r"[0-9a-f]{32}", categories.headers["x-request-id"])
    # The gateway caps bodies before any service reads them.
    huge = httpx.post(f"{gateway}/api/comments/preview", content=b"x" * (2 * 1024 * 1024),
                      headers={"Content-Type": "application/json"})
    assert huge.status_code == 413


def test_a_client_cannot_choose_the_address_its_rate_limit_counts(
        gateway: str, stack: Stack, redis_url: str) -> None:
    article = open_article(stack)
    spoofed, client = "203.0.113.77", "127.0.0.21"
    # A client of its own address, so that its bucket is its alone.
    with httpx.Client(transport=httpx.HTTPTransport(local_address=client)) as http:
        posted = http.post(f"{gateway}/api/comments/articles/{article}/comments",
                           headers={"X-Forwarded-For": spoofed},
                           json={"nic": f"Gate {uuid.uuid4().hex[:6]}", "body": "Via nginx."})
    assert posted.status_code == 201, posted.text
    counted = redis.Redis.from_url(redis_url)
    # The API trusts the gateway's header, which names the address nginx saw; not the
    # client's own header, nor the gateway's address.
    assert counted.exists(f"burg:rate:comments:ip:{client}")
    assert not counted.exists(f"burg:rate:comments:ip:{spoofed}")
    assert not counted.exists(f"burg:rate:comments:ip:{GATEWAY_ADDRESS}")


def test_feeds_pass_the_gateway_compressed_once(gateway: str) -> None:
    """Earlier tests' articles may still be reaching the site feed, so a pair of fetches
    counts only when the plain copy is the same before and after the gzip one."""
    url = f"{gateway}/feeds/site.rss"
    for _ in range(50):
        before = httpx.get(url, headers={"Accept-Encoding": "identity"})
        with httpx.stream("GET", url, headers={"Accept-Encoding": "gzip"}) as packed:
            wire = b"".join(packed.iter_raw())
        after = httpx.get(url, headers={"Accept-Encoding": "identity"})
        if before.content == after.content:
            break
    else:
        raise AssertionError("the site feed never held still across three fetches")
    assert packed.headers.get_list("content-encoding") == ["gzip"]
    assert packed.headers["etag"] != before.headers["etag"]  # nginx kept ours, strong
    assert not packed.headers["etag"].startswith("W/")
    assert "content-encoding" not in before.headers
    assert gzip.decompress(wire) == before.content


def test_a_comment_sent_with_the_site_s_form_counts_the_reader_s_address(
        gateway: str, stack: Stack, redis_url: str) -> None:
    """Gateway → web → comments API: the web passes on the reader's address (trusted in
    compose and Kubernetes as a proxy); here the web is on 127.0.0.1, trusted by nobody, so
    the API must count the web's own address, never what the reader wrote."""
    article = open_article(stack)
    slug = stack.editor().get(f"/articles/by-id/{article}").json()["slug"]
    spoofed, client = "203.0.113.78", "127.0.0.22"
    transport = httpx.HTTPTransport(local_address=client)
    with httpx.Client(transport=transport, base_url=gateway,
                      headers={"X-Forwarded-For": spoofed}) as reader:
        page = reader.get(f"/articles/{slug}")
        assert page.status_code == 200, page.text
        token = reader.get(f"/articles/{slug}/reader").json()["csrf"]  # as reader.js gets it
        sent = reader.post(f"/articles/{slug}", data={
            "csrf": token, "nic": f"Form {uuid.uuid4().hex[:6]}", "body": "Hello"})
    assert sent.status_code == 303, sent.text
    counted = redis.Redis.from_url(redis_url)
    assert not counted.exists(f"burg:rate:comments:ip:{spoofed}")
    assert counted.exists("burg:rate:comments:ip:127.0.0.1")
