"""The load test (benchmarks/load.py, Locust) in short: a few hundred requests from 32 users, valid and invalid,
with a worker killed under load; every bad body gets its 4xx and the replacement worker serves."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
USERS = 32


def test_a_worker_killed_under_load_is_replaced_and_nothing_else_fails(tmp_path):
    run = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "load.py"), "--requests", "800", "--users",
                          str(USERS), "--workers", "2", "--backend", "rules", "--kill-worker", "1", "--log",
                          str(tmp_path / "server.log")], capture_output=True, text=True, timeout=900)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout)
    print(json.dumps(report))
    assert report["requests"] >= 800 and report["p50_ms"] > 0
    assert not [name for name in report["failures_by_name"] if name.startswith("invalid")], report
    assert report["failures"] <= USERS, "more failures than the killed worker can have had in flight"
    assert report["killed_worker"]["serves"], report
