"""Latency of the public API: import-to-first-parse in a fresh process, and Agent.parse p50 / p95 per instruction.

    python benchmarks/latency.py [--backend NAME] [--limit 200]   (default: the default backend)
"""

import argparse
import json
import statistics
import subprocess
import sys
import time

from decoding.backend_names import DEFAULT_BACKEND

_COLD = """
import time
start = time.perf_counter()
from agent import Agent
agent = Agent.load(backend={backend!r})
agent.parse("pick up the box from the couch")
print(time.perf_counter() - start)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", default=DEFAULT_BACKEND)
    ap.add_argument("--limit", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    cold = [float(subprocess.run([sys.executable, "-c", _COLD.format(backend=args.backend)], check=True,
                                 capture_output=True, text=True).stdout.split()[-1]) for _ in range(args.repeats)]
    from agent import Agent
    from decoding.files import read_parses

    agent = Agent.load(backend=args.backend)
    texts = [p.instruction for p in read_parses("data/tage/test.jsonl")[: args.limit]]
    agent.parse(texts[0])
    times = []
    for text in texts:
        start = time.perf_counter()
        agent.parse(text)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(json.dumps({"backend": args.backend, "import_to_first_parse_s_median": statistics.median(cold),
                      "parse_ms_p50": statistics.median(times), "parse_ms_p95": times[int(0.95 * len(times))],
                      "n": len(texts)}, indent=2))


if __name__ == "__main__":
    main()
