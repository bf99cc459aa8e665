"""Load test of `tage serve` with Locust (headless): failures, p50 / p99, throughput, the server's memory before and
after; with --kill-worker, one worker is killed (SIGKILL) during the load and the run checks that its replacement
serves.

    python benchmarks/load.py --requests 3000 --users 32 --workers 2 [--kill-worker SECONDS] [--backend rules]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
TAGE = str(Path(sys.executable).with_name("tage"))
LOCUST = str(Path(sys.executable).with_name("locust"))
READY_WITHIN_S = 900  # every worker loads its own model; minutes on a machine shared with a training run


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def workers(server: psutil.Process) -> list[psutil.Process]:
    """The live uvicorn worker processes under the supervisor (not multiprocessing's resource tracker)."""
    return [p for p in server.children() if _is_worker(p)]


def _is_worker(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(process.cmdline())
    except psutil.Error:  # gone since listed
        return False


def rss_mb(server: psutil.Process) -> float:
    """Resident memory of the server and every process under it."""
    return sum(p.memory_info().rss for p in [server, *server.children(recursive=True)]) / 2**20


def start(port: int, n_workers: int, backend: str, log: Path, *extra: str) -> subprocess.Popen:
    """`tage serve` on `port` with `n_workers` workers (and `extra` arguments), once every worker is ready."""
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen([TAGE, "serve", "--port", str(port), "--workers", str(n_workers), "--backend",
                                    backend, *extra], stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + READY_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tage serve exited with {process.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200 and \
                    (n_workers == 1 or len(workers(psutil.Process(process.pid))) == n_workers):  # 1: no children
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    process.kill()
    raise TimeoutError(f"tage serve was not ready within {READY_WITHIN_S} s: {log.read_text()}")


def warm_up(url: str, users: int) -> None:
    """A short run of the same load, so that the memory measured after it is the served state (batches as large as
    the users make them)."""
    run_locust(url, users, 10 * users)


def connections(process: psutil.Process, port: int) -> int:
    """Established client connections of `process` on the server's `port`."""
    try:
        return sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port for c in process.net_connections("tcp"))
    except psutil.Error:
        return 0


def listens(process: psutil.Process, port: int) -> bool:
    """Whether `process` has a socket listening on `port`."""
    try:
        return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in process.net_connections("tcp"))
    except psutil.Error:
        return False


class Killer(threading.Thread):
    """Kills the worker holding the most connections `after_s` into the load, then waits for the supervisor to
    start its replacement."""

    def __init__(self, server: psutil.Process, port: int, after_s: float) -> None:
        super().__init__(daemon=True)
        self.server, self.port, self.after_s = server, port, after_s
        self.killed: dict = {}
        self.replacement: psutil.Process | None = None
        self.replaced_after_s: float | None = None

    def run(self) -> None:
        time.sleep(self.after_s)
        before = {p: connections(p, self.port) for p in workers(self.server)}
        victim = max(before, key=before.get)
        os.kill(victim.pid, signal.SIGKILL)
        self.killed = {"pid": victim.pid, "its_connections": before[victim],
                       "connections_by_worker": sorted(before.values(), reverse=True)}
        started = time.monotonic()
        while self.replacement is None and time.monotonic() - started < READY_WITHIN_S:
            new = [p for p in workers(self.server) if p not in before]
            self.replacement = new[0] if new else None
            time.sleep(0.2)
        self.replaced_after_s = round(time.monotonic() - started, 1)


def replacement_serves(url: str, port: int, server: psutil.Process, replacement: psutil.Process, n: int = 16
                       ) -> dict:
    """Whether the replacement worker answers: once it listens (it loads its model first), every other worker is
    killed as well, so that the `n` requests made next can only be answered by the replacement."""
    deadline = time.monotonic() + READY_WITHIN_S
    while not listens(replacement, port) and time.monotonic() < deadline:
        time.sleep(0.2)
    others = [p for p in workers(server) if p.pid != replacement.pid]
    for other in others:
        os.kill(other.pid, signal.SIGKILL)
    # with --reuse-port each worker listens on a socket of its own (agent/service/listener.py): a connection made
    # while a killed worker's socket is still being torn down would be reset with it; the requests start once
    # those are gone
    psutil.wait_procs([p for p in others if p.is_running()], timeout=30)
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=READY_WITHIN_S) as client:
        statuses = [client.post("/v1/parse", json={"instruction": "open the fridge"}).status_code for _ in range(n)]
    return {"serves": statuses == [200] * n and replacement.is_running(), "answered_alone_after_s":
            round(time.monotonic() - started, 1), "statuses": sorted(set(statuses))}


def run_locust(url: str, users: int, requests: int) -> list[dict]:
    command = [LOCUST, "-f", str(ROOT / "benchmarks" / "locustfile.py"), "--headless", "-u", str(users), "-r",
               str(users), "--host", url, "--requests", str(requests), "--run-time", "60m", "--json",
               "--only-summary", "--loglevel", "ERROR"]
    run = subprocess.run(command, capture_output=True, text=True, timeout=7200)
    try:
        return json.loads(run.stdout)
    except json.JSONDecodeError as err:
        raise RuntimeError(f"locust gave no JSON (exit {run.returncode}): {run.stderr[-2000:]}") from err


def _percentile(times: dict[str, int], q: float) -> float:
    """The q-quantile of Locust's response time histogram (ms -> count)."""
    ordered = sorted((float(ms), n) for ms, n in times.items())
    target, seen = q * sum(n for _, n in ordered), 0
    for ms, n in ordered:
        seen += n
        if seen >= target:
            return ms
    return ordered[-1][0] if ordered else 0.0


def summarise(stats: list[dict]) -> dict:
    times: dict[str, int] = {}
    for entry in stats:
        for ms, n in entry["response_times"].items():
            times[ms] = times.get(ms, 0) + n
    total = sum(e["num_requests"] for e in stats)
    span = max(e["last_request_timestamp"] for e in stats) - min(e["start_time"] for e in stats)
    return {"requests": total, "failures": sum(e["num_failures"] for e in stats),
            "failures_by_name": {e["name"]: e["num_failures"] for e in stats if e["num_failures"]},
            "p50_ms": _percentile(times, 0.5), "p99_ms": _percentile(times, 0.99),
            "requests_per_s": round(total / span, 1) if span > 0 else None}


def load_test(requests: int, users: int, n_workers: int, backend: str, kill_after_s: float | None, log: Path) -> dict:
    """Start the server, warm it up, run Locust (killing a worker during it if asked), measure, stop the server."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start(port, n_workers, backend, log)
    server = psutil.Process(process.pid)
    try:
        warm_up(url, users)
        report = {"workers": n_workers, "backend": backend, "users": users, "rss_mb_before": round(rss_mb(server), 1)}
        killer = Killer(server, port, kill_after_s) if kill_after_s is not None else None
        if killer is not None:
            killer.start()
        report.update(summarise(run_locust(url, users, requests)))
        report["rss_mb_after"] = round(rss_mb(server), 1)
        report["rss_growth"] = round(report["rss_mb_after"] / report["rss_mb_before"] - 1, 4)
        if killer is not None:
            killer.join(timeout=READY_WITHIN_S)
            serves = replacement_serves(url, port, server, killer.replacement) if killer.replacement else \
                {"serves": False}
            report["killed_worker"] = {**killer.killed, "replaced_after_s": killer.replaced_after_s, **serves}
        return report
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--users", type=int, default=32)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--backend", default="hybrid", help="decoding backend of the server (rules: no model, fast)")
    ap.add_argument("--kill-worker", type=float, default=None, metavar="SECONDS",
                    help="SIGKILL the busiest worker this many seconds into the load")
    ap.add_argument("--log", type=Path, default=Path("runs/load-server.log"), help="the server's output")
    args = ap.parse_args()
    report = load_test(args.requests, args.users, args.workers, args.backend, args.kill_worker, args.log)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
