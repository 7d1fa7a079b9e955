"""shared/proxies.py in process: whose X-Forwarded-For names the client."""

import asyncio
from typing import Any

import pytest

from shared.proxies import TrustedProxies


def client_seen(proxies: str, peer: str, *forwarded: str, proto: str = "") -> tuple[str, str]:
    """The client address and scheme an app behind the middleware sees."""
    seen: dict[str, Any] = {}

    async def app(scope: dict[str, Any], _receive: Any, _send: Any) -> None:
        seen.update(client=scope["client"][0], scheme=scope["scheme"])

    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    headers += [(b"x-forwarded-proto", proto.encode())] if proto else []
    scope = {"type": "http", "client": (peer, 50000), "scheme": "http", "headers": headers}
    asyncio.run(TrustedProxies(app, proxies)(scope, None, None))
    return seen["client"], seen["scheme"]


@pytest.mark.parametrize("proxies", ["", " , ", "10.0.0.1", "gateway.invalid"])
def test_nobody_else_s_header_counts(proxies: str) -> None:
    # The default (nobody), and proxies the peer is not: the peer is the client.
    assert client_seen(proxies, "127.0.0.1", "203.0.113.5", proto="https") == (
        "127.0.0.1", "http")


def test_a_trusted_proxy_names_the_client_from_the_right_end() -> None:
    # The gateway wrote the last entry; what the client wrote before it is its own story.
    assert client_seen("10.1.0.0/16", "10.1.2.3", "198.51.100.1, 203.0.113.5") == (
        "203.0.113.5", "http")
    # Proxies behind proxies are skipped; the first address that is none of them is the client.
    assert client_seen("10.1.0.0/16,192.0.2.7", "10.1.2.3", "198.51.100.1, 203.0.113.5",
                       "192.0.2.7, 10.1.9.9", proto="https") == ("203.0.113.5", "https")
    assert client_seen("10.1.2.3", "::ffff:10.1.2.3", "2001:db8::1") == ("2001:db8::1", "http")


def test_a_name_trusts_the_addresses_it_resolves_to() -> None:
    assert client_seen("localhost", "127.0.0.1", "203.0.113.5")[0] == "203.0.113.5"
    assert client_seen("localhost", "127.0.0.9", "203.0.113.5")[0] == "127.0.0.9"


@pytest.mark.parametrize("forwarded", [[], [""], ["not an address"], ["10.1.2.4"],
                                       ["203.0.113.5:8080"], ["\x00" * 5000]])
def test_a_header_without_a_client_address_leaves_the_peer(forwarded: list[str]) -> None:
    assert client_seen("10.1.0.0/16", "10.1.2.3", *forwarded)[0] == "10.1.2.3"
