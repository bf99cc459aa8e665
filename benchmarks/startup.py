"""Where the start-up time goes: each stage of `from agent import Agent; Agent.load().parse(...)` timed in a fresh
process, medians over runs, beside `import torch` alone (the yardstick) measured the same way in the same run.

    python benchmarks/startup.py [--runs 5] [--write docs/startup.md]

Stages are cumulative imports in the order a load meets them (each row: the time of that step alone, as the
process goes on), so the rows add up to the whole. The ONNX exports' cache is warmed first (a robot loads the same
checkpoint every time); `python -X importtime -c "from agent import Agent"` gives the import tree in detail.
"""

import argparse
import json
import platform
import statistics
import subprocess
import sys
from datetime import UTC, datetime

from decoding.files import write_atomic

_STAGES = """
import json, time
marks, last = {}, time.perf_counter()
def mark(name):
    global last
    now = time.perf_counter(); marks[name] = now - last; last = now
import torch; mark("import torch")
import tokenizers; mark("import tokenizers")
from agent import Agent; mark("import agent (tage)")
agent = Agent.load(); mark("Agent.load (checkpoint; ONNX sessions beside spaCy's import; grammar, rules, skills)")
agent.parse("pick up the box from the couch"); mark("first parse")
print(json.dumps(marks))
"""

_TORCH = "import time; s = time.perf_counter(); import torch; print(time.perf_counter() - s)"
# spaCy's share: its import and blank English tokenizer after torch, alone (inside Agent.load it overlaps the
# ONNX session's build on the second core)
_SPACY = ("import time, torch; s = time.perf_counter(); import spacy; spacy.blank('en'); "
          "print(time.perf_counter() - s)")


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def measure(runs: int) -> dict:
    _run(_STAGES)  # warms the ONNX export and the grammar cache
    stages: dict[str, list[float]] = {}
    torch_s, spacy_s = [], []
    for _ in range(runs):
        torch_s.append(float(_run(_TORCH)))
        spacy_s.append(float(_run(_SPACY)))
        for name, seconds in json.loads(_run(_STAGES).strip().splitlines()[-1]).items():
            stages.setdefault(name, []).append(seconds)
    medians = {name: statistics.median(v) for name, v in stages.items()}
    total = sum(medians.values())
    return {"runs": runs, "stages_s": medians, "total_s": total, "import_torch_s": statistics.median(torch_s),
            "total_vs_import_torch": total / statistics.median(torch_s),
            "spacy_alone_s": statistics.median(spacy_s),
            "machine": {"python": platform.python_version(), "platform": platform.platform(),
                        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}}


def markdown(report: dict) -> str:
    rows = [f"| {name} | {s:.2f} | {s / report['total_s']:.0%} |" for name, s in report["stages_s"].items()]
    return "\n".join([
        "# Start-up", "", f"Produced by `python benchmarks/startup.py --runs {report['runs']} --write docs/startup.md` "
        f"on {report['machine']['date']}: each stage of a fresh process that loads the default agent and parses one "
        "instruction, medians over the runs.", "",
        "| stage | seconds | share |", "|---|---|---|", *rows,
        f"| **whole** | **{report['total_s']:.2f}** | |", "",
        f"`import torch` alone in the same run: {report['import_torch_s']:.2f} s, so the whole is "
        f"{report['total_vs_import_torch']:.2f}x `import torch`. spaCy (its import and blank English tokenizer), "
        f"measured alone after torch: {report['spacy_alone_s']:.2f} s; in `Agent.load` it loads while ONNX Runtime "
        "builds its sessions in a second thread.", "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in report["machine"].items()), ""])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--write", default=None, help="write the table as markdown to this file")
    args = ap.parse_args()
    report = measure(args.runs)
    print(json.dumps(report, indent=2))
    if args.write:
        write_atomic(args.write, markdown(report))


if __name__ == "__main__":
    main()
