"""The HTTP service against the library, all in one run: /v1/ground over loopback vs Agent.ground in-process,
throughput with 32 concurrent clients vs 1, ground_many (batch 64) vs one by one, memory after 5,000 requests.

    python benchmarks/service.py [--n 200] [--requests 5000] [--rounds 3] [--workers 1 [--reuse-port]] [--threads 1]

Starts `tage serve` on a free loopback port. Latencies alternate between the two sides instruction by instruction,
so a shared machine's noise falls on both; figures are medians.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import time

import httpx
import psutil
import torch
from load import ROOT, free_port, rss_mb, start, workers

from agent import Agent, SceneGraph
from agent.bench import _machine
from agent.decisions import decisions
from agent.resources import data_path
from decoding.backend_names import DEFAULT_BACKEND

SCENE_ID = "apartment"
GOALS = {"http_vs_inprocess_p50": ("<=", 1.3), "throughput_32_vs_1": (">=", 3.0),
         "ground_many_64_vs_one_by_one": (">=", 4.0), "memory_growth": ("<", 0.05)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="instructions of the tagE test split used")
    ap.add_argument("--requests", type=int, default=5000, help="requests between the two memory readings")
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the throughput and ground_many comparisons")
    ap.add_argument("--workers", type=int, default=1, help="server worker processes (tage serve --workers): 1 measures"
                    " micro-batching alone; 2 is the deployment docs/service.md gives a 2-core machine")
    ap.add_argument("--reuse-port", action="store_true", help="tage serve --reuse-port: a socket per worker")
    ap.add_argument("--threads", type=int, default=1, help="torch threads of the server and of the in-process side"
                    " (1: on a shared machine, more threads spin against other processes' threads)")
    args = ap.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # the server inherits it
    torch.set_num_threads(args.threads)
    lines = data_path("tage", "test.jsonl").read_text().splitlines()
    instructions = [json.loads(line)["instruction"] for line in lines][: max(args.n, 64)]
    agent, scene = Agent.load(), SceneGraph.load(data_path("scenes", f"{SCENE_ID}.yaml"))
    server = _start(args.workers, args.reuse_port)
    try:
        report = {"machine": {**_machine(), "load_average": os.getloadavg()}, "n": len(instructions),
                  "threads": args.threads, "workers": args.workers, "reuse_port": args.reuse_port}
        report |= _latency(agent, scene, server, instructions[: args.n])
        report |= _throughput(server, instructions, args.rounds)
        report |= _ground_many(agent, scene, instructions, args.rounds)
        report |= _memory(server, instructions, args.requests)
    finally:
        server.terminate()
        server.wait(30)
    report["goals"] = {k: f"{report[k]:.3f} {op} {goal}: {'met' if _meets(report[k], op, goal) else 'NOT met'}"
                       for k, (op, goal) in GOALS.items()}
    print(json.dumps(report, indent=2))


def _meets(value: float, op: str, goal: float) -> bool:
    return {"<=": value <= goal, ">=": value >= goal, "<": value < goal}[op]


def _start(n_workers: int, reuse_port: bool) -> subprocess.Popen:
    port = free_port()
    process = start(port, n_workers, DEFAULT_BACKEND, ROOT / "runs" / "service-server.log", "--limit",
                    "timeout_s=600", *(["--reuse-port"] if reuse_port else []))  # a slow moment must not fail it
    process.url = f"http://127.0.0.1:{port}"
    warm = [f"warm-up request {k}: pick up the cup" for k in range(8 * n_workers)]
    asyncio.run(_clients(process.url, warm, 4 * n_workers))  # most likely every worker has served before timings
    return process


def _latency(agent: Agent, scene: SceneGraph, server, instructions: list[str]) -> dict:
    """p50 of Agent.ground in-process and of POST /v1/ground, alternating instruction by instruction."""
    local, remote = [], []
    with httpx.Client(base_url=server.url, timeout=600) as client:
        for instruction in instructions[:10]:  # warm-up of both sides
            agent.ground(instruction, scene)
            client.post("/v1/ground", json={"instruction": instruction, "scene_id": SCENE_ID})
        for instruction in instructions:
            start = time.perf_counter()
            agent.ground(instruction, scene)
            local.append(time.perf_counter() - start)
            start = time.perf_counter()
            client.post("/v1/ground", json={"instruction": instruction, "scene_id": SCENE_ID}).raise_for_status()
            remote.append(time.perf_counter() - start)
    p50_local, p50_remote = statistics.median(local) * 1000, statistics.median(remote) * 1000
    return {"inprocess_ground_p50_ms": p50_local, "http_ground_p50_ms": p50_remote,
            "http_vs_inprocess_p50": p50_remote / p50_local}


def _throughput(server, instructions: list[str], rounds: int) -> dict:
    """Requests per second of 1 client and of 32 concurrent clients, alternating, over the same instructions; with
    several workers, also each worker's share of the CPU time of each 32-client round (how the kernel spread the
    connections over them)."""
    one, many, shares = [], [], []
    processes = workers(psutil.Process(server.pid)) or [psutil.Process(server.pid)]
    for _ in range(rounds):
        one.append(asyncio.run(_clients(server.url, instructions, 1)))
        before = [sum(p.cpu_times()[:2]) for p in processes]
        many.append(asyncio.run(_clients(server.url, instructions, 32)))
        spent = [sum(p.cpu_times()[:2]) - b for p, b in zip(processes, before, strict=True)]
        shares.append([round(s / sum(spent), 2) for s in spent])
    return {"requests_per_s_1_client": statistics.median(one), "requests_per_s_32_clients": statistics.median(many),
            "requests_per_s_32_clients_rounds": many, "worker_cpu_shares_32_clients_rounds": shares,
            "throughput_32_vs_1": statistics.median(b / a for a, b in zip(one, many, strict=True))}


async def _clients(url: str, instructions: list[str], clients: int) -> float:
    queue: asyncio.Queue[str] = asyncio.Queue()
    for instruction in instructions:
        queue.put_nowait(instruction)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=600, limits=limits) as client:
        async def work() -> None:
            while not queue.empty():
                body = {"instruction": queue.get_nowait(), "scene_id": SCENE_ID}
                (await client.post("/v1/ground", json=body)).raise_for_status()

        start = time.perf_counter()
        await asyncio.gather(*(work() for _ in range(clients)))
    return len(instructions) / (time.perf_counter() - start)


def _ground_many(agent: Agent, scene: SceneGraph, instructions: list[str], rounds: int) -> dict:
    """Instructions per second of ground_many on batches of 64 vs ground one by one; whether the results match."""
    ratios, identical = [], True
    batch = instructions[:64]
    for _ in range(rounds):
        start = time.perf_counter()
        serial = [agent.ground(i, scene) for i in batch]
        one_by_one = time.perf_counter() - start
        start = time.perf_counter()
        batched = agent.ground_many(batch, scene)
        ratios.append(one_by_one / (time.perf_counter() - start))
        identical &= [decisions(r) for r in batched] == [decisions(r) for r in serial]
    return {"ground_many_64_vs_one_by_one": statistics.median(ratios), "ground_many_identical": identical}


def _memory(server, instructions: list[str], requests: int) -> dict:
    """The server's resident memory after warm-up and after `requests` more requests (32 concurrent clients)."""
    asyncio.run(_clients(server.url, instructions, 32))
    before = rss_mb(psutil.Process(server.pid))
    cycle = (instructions * (requests // len(instructions) + 1))[:requests]
    asyncio.run(_clients(server.url, cycle, 32))
    after = rss_mb(psutil.Process(server.pid))
    return {"rss_mb_after_warmup": before, "rss_mb_after_requests": after, "requests": requests,
            "memory_growth": (after - before) / before}


if __name__ == "__main__":
    main()
