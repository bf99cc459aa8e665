"""The load test (benchmarks/load.py, Locust) in short: 500 requests from 32 users, valid and invalid, with the
busiest worker killed under load: nothing fails but its requests in flight, and its replacement serves alone."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_a_worker_killed_under_load_is_replaced_and_nothing_else_fails(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load.py"), "--requests", "500", "--users",
                          "32", "--workers", "2", "--backend", "rules", "--kill-worker", "1", "--log",
                          str(tmp_path / "server.log")], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    print(json.dumps(report))
    killed = report["killed_worker"]
    assert report["requests"] >= 500 and report["p50_ms"] > 0
    assert report["failures"] <= killed["its_connections"], "more failures than the killed worker had in flight"
    assert killed["serves"], report
