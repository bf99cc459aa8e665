"""Grounding speed: p50 time to ground one parse in a generated 500-object scene, and the time to load and
validate the default skill library plus that scene (medians over repeats).

The open-vocabulary row grounds a parse whose object word the lexicon does not know ("goblet"), named by
all-MiniLM-L6-v2 sentence embeddings (the scene's term vectors cached per scene, the parse's phrases cached after
their first batch); its yardstick is the lexicon-only parse measured in the same run (`open_vs_lexicon`). The cost
of a phrase seen for the first time (one encoder forward) is shown beside it.

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


OPEN = (DEMO[0].replace("mug", "goblet"), DEMO[1],
        DEMO[2].replace("red mug :cup", "red goblet :unk").replace("it :cup", "it :unk"))


def open_vocabulary_row(scene: SceneGraph, library: SkillLibrary, repeats: int, lexicon_p50: float) -> dict:
    """The open-vocabulary p50 (cached), its ratio to the lexicon-only p50 of the same run, and an uncached
    phrase's encoder forward."""
    from grounding.embed import MiniLMEmbedder
    from grounding.vocabulary import OpenVocabulary

    vocabulary = OpenVocabulary.load(MiniLMEmbedder())
    parse, _ = read_row(*OPEN)
    ground_parse(parse, scene, library, vocabulary=vocabulary)  # warm-up: the scene's terms, the parse's phrases
    p50, p95 = median_ms(lambda: ground_parse(parse, scene, library, vocabulary=vocabulary), repeats)
    words = iter(f"goblet number {k}" for k in range(10 ** 6))
    forward, _ = median_ms(lambda: vocabulary.embedder.encode([next(words)]), 20)
    return {"ground_open_p50_ms": round(p50, 3), "ground_open_p95_ms": round(p95, 3),
            "open_vs_lexicon": round(p50 / lexicon_p50, 2), "new_phrase_forward_ms": round(forward, 2)}


def run(objects: int = 500, repeats: int = 200, open_vocabulary: bool = True) -> dict:
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
    figures = {"objects": len(scene.nodes), "ground_p50_ms": round(p50, 3), "ground_p95_ms": round(p95, 3),
               "load_validate_yaml_ms": round(load_yaml, 1), "load_validate_json_ms": round(load_json, 1)}
    return figures | (open_vocabulary_row(scene, library, repeats, p50) if open_vocabulary else {})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--no-open-vocabulary", action="store_true", help="skip the row that loads the encoder")
    args = parser.parse_args()
    figures = run(args.objects, args.repeats, not args.no_open_vocabulary)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"scene nodes (objects + rooms + people + robot): {figures['objects']}")
    print(f"ground one parse, p50: {figures['ground_p50_ms']:.3f} ms  (p95 {figures['ground_p95_ms']:.3f} ms)")
    print(f"load + validate default library + scene, median: {figures['load_validate_yaml_ms']:.1f} ms (YAML), "
          f"{figures['load_validate_json_ms']:.1f} ms (JSON)")
    if "ground_open_p50_ms" in figures:
        print(f"ground one parse, open vocabulary (embeddings cached per scene), p50: "
              f"{figures['ground_open_p50_ms']:.3f} ms (p95 {figures['ground_open_p95_ms']:.3f} ms), "
              f"{figures['open_vs_lexicon']:.2f}x the lexicon-only parse of this run; a new phrase's encoder "
              f"forward: {figures['new_phrase_forward_ms']:.1f} ms")


if __name__ == "__main__":
    main()
