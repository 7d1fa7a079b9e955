"""The client's address behind trusted proxies only (`BURG_TRUSTED_PROXIES`).

The comments service counts its per-address rate limit by `request.client`. A proxy in front
(the gateway; the web frontend posting a reader's comment) passes the address it saw in
`X-Forwarded-For`; anyone else could write any address there and pick their own bucket. So
the header is read only when the peer is a trusted proxy, and then from its right end: the
first address that is not itself a trusted proxy is the client. uvicorn's own handling runs
off (`--no-proxy-headers`): it trusts loopback by default, which on a laptop is everyone.

An entry is an address, a network (`10.0.0.0/8`) or a host name. Names are resolved now and
again (every `refresh` seconds, on a request from a peer not yet trusted), because the
gateway's and the web's containers or pods get new addresses when they are replaced; a
name of several replicas (a compose service, a headless Kubernetes service) trusts them all.
"""

import asyncio
import ipaddress
import logging
import socket
import time
from typing import Any

log = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """ASGI middleware: `scope["client"]` (and the scheme) from X-Forwarded-For (and
    X-Forwarded-Proto) when the peer is one of `proxies`; otherwise left as the peer."""

    def __init__(self, app: Any, proxies: str, *, refresh: float = 10.0) -> None:
        self.app, self.refresh = app, refresh
        self.networks: list[Network] = []
        self.names: list[str] = []
        for entry in filter(None, (part.strip() for part in proxies.split(","))):
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.append(entry)
        self._resolved: set[Address] = set()
        self._resolved_at = -refresh

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("client"):
            await self._rewrite(scope)
        await self.app(scope, receive, send)

    async def _rewrite(self, scope: dict[str, Any]) -> None:
        if not await self._trusts(scope["client"][0]):
            return
        forwarded = [value.decode("latin-1") for name, value in scope["headers"]
                     if name == b"x-forwarded-for"]
        hops = [hop.strip() for hop in ",".join(forwarded).split(",") if hop.strip()]
        for hop in reversed(hops):
            # A hop never waits on a lookup: only the peer's request refreshes the names, so
            # an ordinary request through the gateway costs no DNS query.
            if not await self._trusts(hop, may_resolve=False):
                break
        else:
            return  # no address, or only proxies: the peer is the best we know
        if _address(hop) is None:
            return  # garbage from a proxy's client that the proxy passed on: keep the peer
        scope["client"] = (hop, 0)
        proto = dict(scope["headers"]).get(b"x-forwarded-proto", b"").decode("latin-1")
        if proto.strip() in ("http", "https"):
            scope["scheme"] = proto.strip()

    async def _trusts(self, host: str, *, may_resolve: bool = True) -> bool:
        address = _address(host)
        if address is None or not (self.networks or self.names):
            return False
        if any(address in network for network in self.networks):
            return True
        if may_resolve and address not in self._resolved and self.names and (
                time.monotonic() - self._resolved_at >= self.refresh):
            await self._resolve()
        return address in self._resolved

    async def _resolve(self) -> None:
        self._resolved_at = time.monotonic()
        loop = asyncio.get_running_loop()
        resolved: set[Address] = set()
        for name in self.names:
            try:
                infos = await loop.getaddrinfo(name, None, type=socket.SOCK_STREAM)
            except OSError as exc:  # a proxy that is away now: trusted again once it is back
                log.warning("trusted proxy %r does not resolve: %s", name, exc)
                continue
            resolved |= {a for info in infos if (a := _address(str(info[4][0]))) is not None}
        self._resolved = resolved


def _address(host: str) -> Address | None:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)  # "::ffff:10.0.0.1" is 10.0.0.1
    return mapped or address
