"""Grounding speed: p50 time to ground one parse in a generated 500-object scene, and the time to load and
validate the default skill library plus that scene (medians over repeats).

Run from the repository root: `python benchmarks/grounding_speed.py [--objects 500] [--repeats 200] [--json]`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from decoding.tage_format import read_row  # noqa: E402
from grounding import SceneGraph, SkillLibrary, default_lexicon, ground_parse  # noqa: E402
from grounding.synthetic import generate_scene  # noqa: E402

DEMO = ("go to the kitchen , take the red mug next to the sink and bring it to me",
        "0 0 Motion ; 3 3 Goal | 5 5 Picking ; 7 8 Theme -7 7 isColour ; 12 12 Source | 14 14 Bringing ; "
        "15 15 Theme ; 17 17 Recipient",
        "motion : go , goal : kitchen :kitchen ; picking : take , theme : red mug :cup , source : sink :sink ; "
        "bringing : bring , theme : it :cup , recipient : me :person")


def median_ms(fn, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def run(objects: int = 500, repeats: int = 200) -> dict:
    """Measure and return the figures (milliseconds)."""
    data = generate_scene(objects)
    default_lexicon()  # read once, as a long-lived process would
    with tempfile.TemporaryDirectory() as tmp:
        scene_yaml, scene_json = Path(tmp, "scene.yaml"), Path(tmp, "scene.json")
        scene_yaml.write_text(yaml.safe_dump(data, default_flow_style=None, width=200), encoding="utf-8")
        scene_json.write_text(json.dumps(data), encoding="utf-8")
        load_yaml, _ = median_ms(lambda: (SkillLibrary.load(ROOT / "skills"), SceneGraph.load(scene_yaml)), 15)
        load_json, _ = median_ms(lambda: (SkillLibrary.load(ROOT / "skills"), SceneGraph.load(scene_json)), 15)
    library, scene = SkillLibrary.load(ROOT / "skills"), SceneGraph.from_dict(data)
    parse, _ = read_row(*DEMO)
    ground_parse(parse, scene, library)  # warm-up
    p50, p95 = median_ms(lambda: ground_parse(parse, scene, library), repeats)
    return {"objects": len(scene.nodes), "ground_p50_ms": round(p50, 3), "ground_p95_ms": round(p95, 3),
            "load_validate_yaml_ms": round(load_yaml, 1), "load_validate_json_ms": round(load_json, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.objects, args.repeats)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"scene nodes (objects + rooms + people + robot): {figures['objects']}")
    print(f"ground one parse, p50: {figures['ground_p50_ms']:.3f} ms  (p95 {figures['ground_p95_ms']:.3f} ms)")
    print(f"load + validate default library + scene, median: {figures['load_validate_yaml_ms']:.1f} ms (YAML), "
          f"{figures['load_validate_json_ms']:.1f} ms (JSON)")


if __name__ == "__main__":
    main()
