"""Simulation speed: p50 time to execute one 10-step plan in a generated 500-object scene, beside a yardstick
measured in the same run (grounding one parse in that scene), so the ratio is comparable across machines.

Run from the repository root: `python benchmarks/simulate_speed.py [--objects 500] [--repeats 500] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grounding_speed import DEMO, median_ms  # noqa: E402  (the yardstick: grounding_speed.py's instruction)

from decoding.tage_format import read_row  # noqa: E402
from grounding import SceneGraph, Simulator, SkillLibrary, default_lexicon, ground_parse  # noqa: E402
from grounding.result import PlanStep  # noqa: E402
from grounding.synthetic import generate_scene  # noqa: E402


def ten_steps(scene: SceneGraph) -> list[PlanStep]:
    """Move two objects from open furniture to two other pieces, then switch a lamp on: ten primitive steps."""
    open_furniture = sorted(n.id for n in scene.of_kind("object") if "receptacle" in n.affordances
                            and "openable" not in n.affordances and scene.related(n.id, "~on"))
    (a, b), (t1, t2) = [sorted(scene.related(f, "~on"))[0] for f in open_furniture[:2]], open_furniture[2:4]
    lamp = next(n.id for n in scene.of_kind("object") if n.cls == "lamp")
    args = [("navigate", {"destination": open_furniture[0]}), ("pick", {"object": a}),
            ("navigate", {"destination": t1}), ("place", {"object": a, "target": t1}),
            ("navigate", {"destination": open_furniture[1]}), ("pick", {"object": b}),
            ("navigate", {"destination": t2}), ("place", {"object": b, "target": t2}),
            ("navigate", {"destination": lamp}), ("switch_on", {"device": lamp})]
    return [PlanStep(skill=skill, args=a, from_task=0) for skill, a in args]


def run(objects: int = 500, repeats: int = 500) -> dict:
    """Measure and return the figures (milliseconds), the ratio and the machine."""
    library, lexicon = SkillLibrary.load(ROOT / "skills"), default_lexicon()
    scene = SceneGraph.from_dict(generate_scene(objects))
    plan, parse = ten_steps(scene), read_row(*DEMO)[0]
    simulate = lambda: Simulator(scene, library, lexicon).execute(plan)
    run_once = simulate()
    assert run_once.executed and len(run_once.steps) == 10, run_once.failure
    ground = lambda: ground_parse(parse, scene, library, lexicon)
    ground()  # warm-up
    sim_p50, sim_p95 = median_ms(simulate, repeats)
    ground_p50, _ = median_ms(ground, repeats)
    return {"objects": objects, "steps": len(plan), "simulate_p50_ms": round(sim_p50, 4),
            "simulate_p95_ms": round(sim_p95, 4), "ground_one_parse_p50_ms": round(ground_p50, 4),
            "simulate_vs_ground": round(sim_p50 / ground_p50, 3),
            "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                        "cpus": os.cpu_count(), "python": platform.python_version()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.objects, args.repeats)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"simulate one {figures['steps']}-step plan, {figures['objects']}-object scene: "
          f"p50 {figures['simulate_p50_ms']:.4f} ms (p95 {figures['simulate_p95_ms']:.4f} ms)")
    print(f"yardstick, grounding one parse in the same scene: p50 {figures['ground_one_parse_p50_ms']:.4f} ms; "
          f"simulate / ground = {figures['simulate_vs_ground']:.3f}")
    print(f"machine: {figures['machine']}")


if __name__ == "__main__":
    main()
