"""`NoDelayHTTP`: uvicorn's HTTP protocol with Nagle's algorithm off on every connection, whatever the worker count.

With `--workers N` uvicorn binds the listening socket itself with its protocol number left at 0; accepted sockets
inherit it, and asyncio turns TCP_NODELAY on only for sockets that say IPPROTO_TCP. Nagle's algorithm then holds
the second write of a response until the client's delayed ACK: every request on a keep-alive connection waited
~40 ms (`python benchmarks/service.py --workers 2`: `/v1/ground` p50 65.1 ms over loopback against 23 ms with one
worker; uvicorn issue #3149).
Imported by uvicorn in each worker, by name (`serve`).
"""

from __future__ import annotations

import socket

from uvicorn.protocols.http.auto import AutoHTTPProtocol

__all__ = ["NoDelayHTTP"]


class NoDelayHTTP(AutoHTTPProtocol):  # type: ignore[misc, valid-type]  # httptools' protocol, else h11's
    """uvicorn's HTTP protocol that turns TCP_NODELAY on as each connection is made."""

    def connection_made(self, transport) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
