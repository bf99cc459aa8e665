"""Generated scenes: valid, deterministic, usable at the 500-object scale of the benchmark."""

from decoding.tage_format import read_row
from grounding import SceneGraph, SkillLibrary, default_lexicon, ground_parse
from grounding.synthetic import generate_scene

from .conftest import ROOT


def test_generated_scene_is_valid_and_deterministic():
    data = generate_scene(500, seed=3)
    assert data == generate_scene(500, seed=3)
    scene = SceneGraph.from_dict(data)
    assert len(list(scene.of_kind("object"))) == 500 and len(list(scene.of_kind("room"))) == 10


def test_a_parse_grounds_in_a_500_object_scene_and_the_scene_round_trips_through_yaml(tmp_path):
    # Speed is reported by benchmarks/grounding_speed.py, not asserted here (shared, noisy machines).
    import yaml
    path = tmp_path / "scene.yaml"
    path.write_text(yaml.safe_dump(generate_scene(500), default_flow_style=None, width=200), encoding="utf-8")
    scene, library = SceneGraph.load(path), SkillLibrary.load(ROOT / "skills")
    parse, _ = read_row("go to the kitchen", "0 0 Motion ; 3 3 Goal", "motion : go , goal : kitchen :kitchen")
    result = ground_parse(parse, scene, library, default_lexicon())
    assert len(result.tasks) == 1 and len(result.tasks[0].bindings) == 1
