"""`ReusePortListener` (`tage serve --workers N --reuse-port`): a listening socket per worker in one SO_REUSEPORT
group, so that the kernel spreads connections over the workers instead of the first one awake taking them all;
and `check_free`, which every `serve` runs first.

uvicorn's supervisor binds one socket and hands it to every worker, and asyncio accepts up to the backlog of
waiting connections at each wake-up: 32 connections opened at once went to one of two workers in four rounds of
five (`python benchmarks/service.py --workers 2`, each worker's CPU share of the rounds). Here the supervisor binds
a socket it never listens on (to hold the address, and to learn the port the system chose for port 0), and each
worker, when the socket is handed to it, binds a socket of its own to that address in the same group: the kernel
then gives each connection to one worker by a hash of its addresses. The price, why it is not the default: the
connections waiting in a worker's own queue are reset when it dies (docs/service.md). Linux only: elsewhere
SO_REUSEPORT does not spread connections, and `serve` refuses the option.
"""

from __future__ import annotations

import socket
import sys

__all__ = ["ReusePortListener", "check_free", "reuse_port_spreads"]


def check_free(host: str, port: int) -> None:
    """Raise `OSError` naming the address if another socket holds `host`:`port` (port 0: any free port)."""
    if not port:
        return
    with socket.socket(_family(host), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind: TIME_WAIT does not count
        try:
            probe.bind((host, port))
        except OSError as err:
            raise OSError(err.errno, err.strerror, f"{host}:{port}") from None


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def reuse_port_spreads() -> bool:
    """Whether this system spreads connections over the sockets of a SO_REUSEPORT group (Linux)."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


class ReusePortListener(socket.socket):
    """A TCP socket bound to an address in a SO_REUSEPORT group. Pickled into a worker process (uvicorn's
    supervisor passes its sockets so), it arrives as a new socket bound to the same address in the same group: the
    worker's own accept queue."""

    @classmethod
    def bind_to(cls, host: str, port: int) -> ReusePortListener:
        sock = cls(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)  # IPPROTO_TCP: asyncio then sets TCP_NODELAY
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
        except OSError:
            sock.close()
            raise
        return sock

    @classmethod
    def first(cls, host: str, port: int) -> ReusePortListener:
        """The supervisor's socket: bound like the workers' after checking that no other socket has the address
        (a group admits any process of the same user: a second server on the port must fail, not share it)."""
        check_free(host, port)
        return cls.bind_to(host, port)

    def __reduce__(self):
        host, port = self.getsockname()[:2]
        return ReusePortListener.bind_to, (host, port)
