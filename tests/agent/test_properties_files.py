"""Any user file through the agent's loaders: skill YAML (`Agent.load(skills=...)`), scenes (`Agent.ground`), Label
Studio exports (`tage annotate import`). A valid result, or a `TageError` naming the file, in time."""

import json
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from agent import Agent
from agent.annotate.studio_export import to_studio_tasks
from agent.annotate.studio_import import read_studio_export
from agent.defaults import default_vocabulary, load_library
from decoding.errors import TageError
from decoding.files import read_parses
from grounding import SceneGraph
from tests.properties import check_parse, check_refusal, check_result, examples, mutated, within

ROOT = Path(__file__).resolve().parents[2]
KITCHEN = ROOT / "data" / "scenes" / "kitchen.yaml"
SKILLS = yaml.safe_load((ROOT / "skills" / "composites.yaml").read_text(encoding="utf-8"))
SCENE = SceneGraph.load(KITCHEN).to_dict()
INSTRUCTION = "take the red mug from the table and bring it to me"
LOAD_S = 20  # the longest a file may take to load (10 MB of YAML on a busy machine)


@pytest.fixture(scope="module")
def rules_agent():
    return Agent.load(backend="rules")


@pytest.fixture(scope="module")
def shipped_tasks() -> list:
    return to_studio_tasks(read_parses(ROOT / "data" / "tage" / "test.jsonl")[:3])


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _load_skills(path: Path):
    """The library with the skills of `path` over the default ones, or None when refused with a clear error."""
    try:
        with within(LOAD_S, path):
            return load_library([path])
    except TageError as err:
        check_refusal(err, str(path))
        return None


@given(data=mutated(SKILLS))
@examples(300)
def test_any_skill_file_loads_or_is_refused_naming_it(tmp_path_factory, data):
    path = _write(tmp_path_factory.mktemp("skills"), "mine.yaml", yaml.safe_dump(data, allow_unicode=True))
    library = _load_skills(path)
    if library is not None:
        assert library.skills and all(s.name == name for name, s in library.skills.items())


_BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)) + "skills: *i\n"
_FLY = "skills:\n  - name: fly\n    task_types: [Motion]\n"
_ANCHORS = ("skills:\n  - name: dash\n    task_types: [Motion]\n    cues: [dash]\n    parameters: &where\n"
            "      - {name: destination, roles: [Goal], kind: location}\n"
            "  - name: stroll\n    task_types: [Motion]\n    cues: [stroll]\n    parameters: *where\n")
_MERGE = ("base: &base {task_types: [Motion]}\nskills:\n  - {<<: *base, name: dash}\n")
_HUGE = "skills:\n  - name: skill\n    task_types: [Motion]\n    description: " + "x" * (10 * 2**20) + "\n"


@pytest.mark.parametrize("content", [
    _FLY + "    parameters:\n      - {name: to, roles: [Wings]}\n", _FLY + _FLY[8:], b"\xff\xfe\x00s\x00k\x00",
    b"skills:\n  - name: caf\xe9\n", "", "---\n", "skills: [", "skills: !!python/object/apply:os.system [echo owned]",
    "- just\n- a list\n", "skills: 3\n", "skills:\n  - name: pick\n    task_types: [Flying]\n",
], ids=["unknown role", "duplicate", "UTF-16", "Latin-1", "empty", "null", "broken", "python tag", "list",
        "wrong type", "unknown task type"])
def test_bad_skill_files_are_refused_naming_the_file(tmp_path, content):
    assert _load_skills(_write(tmp_path, "mine.yaml", content)) is None


@pytest.mark.parametrize("content", [_BOMB, _MERGE, _HUGE], ids=["alias bomb", "merge key", "10 MB"])
def test_odd_skill_files_load_or_are_refused_naming_the_file_in_time(tmp_path, content):
    library = _load_skills(_write(tmp_path, "mine.yaml", content))
    assert library is None or "pick" in library.skills


def test_yaml_anchors_and_aliases_are_plain_data(tmp_path):
    library = _load_skills(_write(tmp_path, "mine.yaml", _ANCHORS))
    assert library is not None and library.skills["dash"].parameters == library.skills["stroll"].parameters


def _scene(data: object, source: str = "fuzzed.yaml") -> SceneGraph | None:
    try:
        with within(LOAD_S, source):
            return SceneGraph.from_dict(data, source=source)
    except TageError as err:
        check_refusal(err, source)
        return None


@given(data=mutated(SCENE, at_most=4))
@examples(300)
def test_any_scene_loads_or_is_refused_naming_it_and_grounds(rules_agent, data):
    _loads_and_grounds_or_is_refused(rules_agent, data)


def _loads_and_grounds_or_is_refused(agent: Agent, data: object) -> None:
    scene = _scene(data)
    if scene is not None:
        with within(LOAD_S, data):
            result = agent.ground(INSTRUCTION, scene)
        check_result(result, INSTRUCTION, scene, agent.library, default_vocabulary())


def _with(**changes) -> dict:
    """The kitchen scene with its first object changed, or other relations."""
    data = json.loads(json.dumps(SCENE))
    relations = changes.pop("relations", None)
    data["objects"][0].update(changes)
    data["relations"] = relations if relations is not None else data["relations"]
    return data


_IDS = [o["id"] for o in SCENE["objects"][:3]]
_BAD_SCENES = {
    "duplicate id": _with(id=_IDS[1]),
    "dangling room": _with(room="no_such_room"),
    "dangling relation": _with(relations=[{"subject": _IDS[0], "predicate": "on", "object": "no_such_node"}]),
    "containment cycle": _with(relations=[{"subject": a, "predicate": "in", "object": b}
                                          for a, b in zip(_IDS, [*_IDS[1:], _IDS[0]], strict=True)]),
    "relation to itself": _with(relations=[{"subject": _IDS[0], "predicate": "on", "object": _IDS[0]}]),
}


@pytest.mark.parametrize("data", _BAD_SCENES.values(), ids=_BAD_SCENES)
def test_bad_scenes_are_refused_naming_the_scene_or_ground(rules_agent, data):
    _loads_and_grounds_or_is_refused(rules_agent, data)


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_a_position_that_is_not_finite_is_refused_naming_the_object(value):
    with pytest.raises(TageError, match=_IDS[0]):
        SceneGraph.from_dict(_with(position=[value, 0.0, 0.0]), source="nan.yaml")


def test_a_scene_of_100000_objects_loads_and_grounds_in_time(rules_agent):
    room = SCENE["rooms"][0]["id"]
    crates = [{"id": f"crate_{i}", "class": "crate", "room": room, "affordances": ["pickable"]} for i in range(100_000)]
    crates[-1]["attributes"] = {"color": "purple"}
    with within(120, "100,000 objects"):
        scene = SceneGraph.from_dict({**SCENE, "objects": [*SCENE["objects"], *crates]}, source="big.yaml")
        result = rules_agent.ground("pick up the purple crate", scene)
    check_result(result, "pick up the purple crate", scene, rules_agent.library, default_vocabulary())
    assert result.tasks[0].parameters["object"] == "crate_99999"


def _import(path: Path):
    try:
        with within(LOAD_S, path):
            return read_studio_export(path, default_vocabulary())
    except TageError as err:
        check_refusal(err, str(path))
        return None


@given(tasks=st.data())
@examples(300)
def test_any_label_studio_export_imports_or_is_refused_naming_it(tmp_path_factory, shipped_tasks, tasks):
    data = tasks.draw(mutated(shipped_tasks, at_most=4))
    path = _write(tmp_path_factory.mktemp("ls"), "export.json", json.dumps(data))
    found = _import(path)
    if found is not None:
        for parse in found.parses:
            check_parse(parse, parse.instruction, default_vocabulary())
        assert all(str(path) in str(problem) for problem in found.problems.items)


@pytest.mark.parametrize("content", [b"", b"[", b"\xff\xfe[]", b"{}", b"[1, 2]", b"[" + b"[" * 100_000])
def test_bad_label_studio_exports_are_refused_or_reported(tmp_path, content):
    found = _import(_write(tmp_path, "export.json", content))
    assert found is None or (not found.parses and found.problems)


def _task(**fields) -> dict:
    return {"data": {"text": "pick up the box"}, **fields}


_REGION = {"id": "t", "from_name": "trigger", "to_name": "text", "type": "labels",
           "value": {"start": 0, "end": 4, "labels": ["Picking"]}}


@pytest.mark.parametrize("task", [
    _task(annotations=True), _task(predictions=3), _task(annotations=[{"result": [{**_REGION, "from_name": ["x"]}]}]),
    _task(annotations=[{"result": [{**_REGION, "value": [1, 2]}]}]),
    _task(annotations=[{"result": [{**_REGION, "score": "high"}]}]),
    _task(annotations=[{"result": [{**_REGION, "value": {**_REGION["value"], "start": True}}]}]),
], ids=["annotations not a list", "predictions a number", "control a list", "value a list", "score a word",
        "start a boolean"])
def test_label_studio_fields_of_the_wrong_type_are_reported_not_raised(tmp_path, task):
    found = _import(_write(tmp_path, "export.json", json.dumps([task])))
    assert found is not None and [p.instruction for p in found.parses] == ["pick up the box"]
    check_parse(found.parses[0], "pick up the box", default_vocabulary())
