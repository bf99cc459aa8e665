"""A real `tage serve` in a subprocess on a free loopback port, started once per test module."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

TAGE = str(Path(sys.executable).with_name("tage"))
READY_WITHIN_S = 600  # loading the model takes seconds, or minutes on a machine shared with a training run
# One torch thread for the server: beside the test process (and on a shared machine), more threads spin against
# each other's and every parse gets many times slower.
_ONE_THREAD = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running server: its base URL and process."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen([*args, "--port", str(self.port)], stdout=out, stderr=subprocess.STDOUT,
                                            env=_ONE_THREAD)

    def wait_ready(self, headers: dict | None = None) -> None:
        deadline = time.monotonic() + READY_WITHIN_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/readyz", headers=headers, timeout=5).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"the server was not ready within {READY_WITHIN_S} s: {self.log.read_text()}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def start_server(tmp_path_factory):
    """Start servers with `tage serve ARGS...` (or any command taking --port); all stop when the module ends."""
    started = []

    def start(*args: str, command: tuple[str, ...] = (TAGE, "serve")) -> Server:
        server = Server([*command, *args], tmp_path_factory.mktemp("server") / "log.txt")
        started.append(server)
        server.wait_ready()
        return server

    yield start
    for server in started:
        server.stop()
