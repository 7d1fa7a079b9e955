"""Request bodies the site will not read: a form post over BURG_MAX_BODY_BYTES gets a 413
page (not a 400, not JSON), whether its size is declared or only seen as it arrives; the
live preview answers 413 as soon as it knows a body is too large, without waiting for the
rest of it. Raw sockets, so the test sends exactly what a client would and no more."""

import socket
import uuid
from urllib.parse import urlsplit

import httpx

from tests.conftest import Stack
from tests.web.helpers import csrf_of, opened, site

LIMIT = 1_048_576  # BURG_MAX_BODY_BYTES's default, which the test stack keeps
PREVIEW_LIMIT = 100_000


def too_large_page(answer: httpx.Response) -> None:
    assert answer.status_code == 413, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("text/html")
    assert "too large to send" in answer.text


def raw_request(stack: Stack, head: str, body_parts: list[bytes]) -> bytes:
    """Send `head` and `body_parts` and read the answer's status line and headers, without
    ever sending more (a server that waits for the rest of the body never answers: the
    socket's timeout then fails the test)."""
    where = urlsplit(stack.urls["site"])
    with socket.create_connection((where.hostname, where.port), timeout=30) as connection:
        connection.sendall(head.encode("latin-1"))
        for part in body_parts:
            connection.sendall(part)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = connection.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


def test_an_oversized_form_gets_a_413_page(stack: Stack) -> None:
    _, article = opened(stack)
    browser = site(stack)
    page = browser.get(f"/articles/{article['slug']}")
    fields = {"csrf": csrf_of(page), "nic": f"Big {uuid.uuid4().hex[:6]}",
              "body": "x" * (LIMIT + 1)}
    too_large_page(browser.post(f"/articles/{article['slug']}", data=fields))
    # Sent in chunks with no length: cut off where it passes the limit.
    chunks = [b"body=" + b"y" * 65536 for _ in range(LIMIT // 65536 + 2)]
    too_large_page(browser.post(f"/articles/{article['slug']}", content=iter(chunks),
                                headers={"Content-Type": "application/x-www-form-urlencoded"}))
    too_large_page(browser.post("/editor/sign-in", files={"token": (None, "z" * (LIMIT + 1))}))
    thread = stack.client("comments").get(f"/articles/{article['id']}/comments").json()
    assert thread["count"] == 0


def test_the_preview_answers_413_before_reading_a_large_body(stack: Stack) -> None:
    _, article = opened(stack)
    browser = site(stack)
    token = csrf_of(browser.get(f"/articles/{article['slug']}"))
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.cookies.jar)
    head = (f"POST /preview HTTP/1.1\r\nHost: {urlsplit(stack.urls['site']).netloc}\r\n"
            f"Content-Type: application/json\r\nX-CSRF-Token: {token}\r\n"
            f"Cookie: {cookies}\r\n")
    # A declared 500 kB (over the preview's limit) or 50 MB (over every form's), of which
    # only the first kilobyte is ever sent.
    for length in (500_000, 50_000_000):
        declared = raw_request(stack, head + f"Content-Length: {length}\r\n\r\n",
                               [b"{" * 1024])
        assert declared.startswith(b"HTTP/1.1 413 "), declared[:200]
    # No length: chunks past the limit, and never the last chunk.
    chunk = b"x" * 16384
    stream = [f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"] * (PREVIEW_LIMIT // 16384 + 2)
    chunked = raw_request(stack, head + "Transfer-Encoding: chunked\r\n\r\n", stream)
    assert chunked.startswith(b"HTTP/1.1 413 "), chunked[:200]
    # Within the limit, it previews.
    rendered = browser.post("/preview", json={"body": "[i]fine[/i]"},
                            headers={"X-CSRF-Token": token})
    assert rendered.status_code == 200 and "<em>fine</em>" in rendered.json()["body_html"]
