"""Connections served through `NoDelayHTTP` have Nagle's algorithm off, even from a listener bound as uvicorn's
`--workers N` supervisor binds it (protocol number 0), where uvicorn's own protocol leaves it on."""

import asyncio
import functools
import socket

from uvicorn.config import Config
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

from agent.service.protocol import NoDelayHTTP


def _nodelay_of_a_connection(protocol: type) -> int:
    """TCP_NODELAY of the server side of one connection accepted by `protocol` on a listener with proto 0."""
    seen: asyncio.Future

    class Probe(protocol):
        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            seen.set_result(transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    async def main() -> int:
        nonlocal seen
        seen = asyncio.get_running_loop().create_future()
        config = Config(app=lambda scope, receive, send: None, http=Probe, log_level="warning")
        config.load()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn's bind_socket leaves it
        listener.bind(("127.0.0.1", 0))
        factory = functools.partial(Probe, config=config, server_state=ServerState(), app_state={})
        server = await asyncio.get_running_loop().create_server(factory, sock=listener)
        _, writer = await asyncio.open_connection(*listener.getsockname())
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()

    return asyncio.run(main())


def test_connections_get_tcp_nodelay_from_a_listener_without_protocol_number():
    assert _nodelay_of_a_connection(NoDelayHTTP) != 0


def test_uvicorns_own_protocol_leaves_nagle_on_there():
    """What NoDelayHTTP works around: asyncio turns TCP_NODELAY on only for a socket that says IPPROTO_TCP."""
    assert _nodelay_of_a_connection(AutoHTTPProtocol) == 0
