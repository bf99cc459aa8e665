"""Plan success measured over many instructions: every hand-written grounding case, from its gold parse and from
the model's parse, executed in the simulator; the share that executes and achieves every goal, and why the rest
did not.

Run from the repository root: `python examples/plan_success.py [--gold-only]`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.defaults import load_library  # noqa: E402
from grounding.evaluate import simulate_cases  # noqa: E402

CASES = ROOT / "data" / "grounding" / "cases.jsonl"


def report(name: str, scores: dict) -> None:
    print(f"{name}: plan success {scores['plan_success']:.3f} over {scores['scored']} cases expected to complete "
          f"({scores['plan_success_all']:.3f} of all {scores['n']})")
    for cause, count in scores["causes"].items():
        print(f"  {count:4d}  {cause}")


def main(gold_only: bool) -> int:
    library = load_library()
    gold = simulate_cases(CASES, library)
    report("gold parses", gold)
    if not gold_only:
        from agent import Agent

        report("model parses", simulate_cases(CASES, library, parser=Agent.load().parse))
    return 0 if gold["plan_success"] >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main("--gold-only" in sys.argv[1:]))
