"""`tage serve --workers N --reuse-port`: the workers each listen on a socket of their own in one SO_REUSEPORT group,
and the kernel spreads connections over them (with uvicorn's one shared socket, the first worker awake took all the
connections a client opened at once); a held port still fails."""

import select
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.reduction import ForkingPickler

import httpx
import psutil
import pytest

from agent.service.listener import ReusePortListener, reuse_port_spreads

pytestmark = pytest.mark.skipif(not reuse_port_spreads(), reason="SO_REUSEPORT spreads connections on Linux only")


def test_a_listener_handed_to_a_worker_is_a_socket_of_its_own_in_the_same_group():
    first = ReusePortListener.first("127.0.0.1", 0)
    second = ForkingPickler.loads(ForkingPickler.dumps(first))  # as uvicorn's supervisor hands it to a worker
    listeners = [first, second]
    try:
        assert second.fileno() != first.fileno() and second.getsockname() == first.getsockname()
        for sock in listeners:
            sock.listen(64)
        clients = [socket.create_connection(first.getsockname()) for _ in range(32)]
        accepted = {sock.fileno(): 0 for sock in listeners}
        deadline = time.monotonic() + 10
        while sum(accepted.values()) < len(clients) and time.monotonic() < deadline:
            for sock in select.select(listeners, [], [], 1)[0]:
                sock.accept()[0].close()
                accepted[sock.fileno()] += 1
        assert sum(accepted.values()) == 32 and min(accepted.values()) > 0, accepted
    finally:
        for sock in [*listeners, *locals().get("clients", [])]:
            sock.close()


def test_a_port_another_socket_listens_on_is_refused_not_shared():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen(1)
        with pytest.raises(OSError):
            ReusePortListener.first("127.0.0.1", other.getsockname()[1])


def test_two_workers_both_serve_the_connections_of_one_client(start_server):
    server = start_server("--workers", "2", "--reuse-port", "--backend", "rules")
    supervisor = psutil.Process(server.process.pid)
    deadline = time.monotonic() + 300
    while len(_listening(supervisor, server.port)) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)  # each worker listens once its model is in
    assert len(_listening(supervisor, server.port)) == 2
    clients = [httpx.Client(base_url=server.url) for _ in range(16)]
    try:
        with ThreadPoolExecutor(16) as pool:  # 16 keep-alive connections opened at once, as a fleet gateway would
            assert all(r.status_code == 200 for r in pool.map(lambda c: c.get("/healthz"), clients))
        held = {pid: _established(pid, server.port) for pid in _listening(supervisor, server.port)}
        assert sum(held.values()) == 16 and min(held.values()) > 0, held
    finally:
        for client in clients:
            client.close()


def _listening(supervisor: psutil.Process, port: int) -> list[int]:
    """The worker processes under `supervisor` listening on `port`."""
    return [p.pid for p in supervisor.children() if any(
        c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in p.net_connections("tcp"))]


def _established(pid: int, port: int) -> int:
    return sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port
               for c in psutil.Process(pid).net_connections("tcp"))
