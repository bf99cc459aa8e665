"""The skill library: the default covers tagE, user overrides, and every bad input names file, skill, field, line."""

import copy
import re
from pathlib import Path

import pytest

from grounding import SkillLibrary, SkillLibraryError

from .conftest import ROOT, THREE_SKILLS, write_yaml

TAGE_TASK_TYPES = (ROOT / "data" / "tage" / "raw" / "labels" / "tasks.txt").read_text().split()


def test_default_library_covers_every_tage_task_type(default_library):
    assert set(TAGE_TASK_TYPES) <= set(default_library.task_types)
    assert len(TAGE_TASK_TYPES) == 16


def test_default_library_roles_are_tage_roles(default_library):
    roles = set((ROOT / "data" / "tage" / "raw" / "labels" / "args.txt").read_text().split())
    used = {r for s in default_library.skills.values() for p in s.parameters for r in p.roles}
    assert used <= roles


@pytest.mark.parametrize("task_type, words, skill", [
    ("Opening", ["open"], "open"), ("Opening", ["close"], "close"), ("Opening", ["shut"], "close"),
    ("Changing_operational_state", ["turn", "on"], "switch_on"),
    ("Changing_operational_state", ["turn", "off"], "switch_off"),
    ("Changing_operational_state", ["stop"], "switch_off"),
    ("Changing_operational_state", ["blow", "out"], "switch_off"),
    ("Changing_operational_state", ["extinguish"], "switch_off"), ("Bringing", ["bring"], "bring"),
])
def test_cues_choose_among_skills_of_one_type(default_library, task_type, words, skill):
    assert default_library.for_task(task_type, words).name == skill


def test_composite_and_parsed_literals(library):
    bring = library["bring"]
    assert bring.composite and [s.skill for s in bring.steps] == ["pick", "navigate"]
    assert [str(p) for p in library["pick"].pre] == ["hand_empty", "near(object)", "accessible(object)"]
    assert library.for_task("Flying") is None


def test_user_directory_overrides_by_name(tmp_path):
    write_yaml(tmp_path / "default.yaml", THREE_SKILLS)
    user = tmp_path / "user"
    user.mkdir()
    write_yaml(user / "mine.yaml", {"skills": [
        {"name": "pick", "description": "mine", "task_types": ["Picking"],
         "parameters": [{"name": "object", "roles": ["Theme"], "required": True}]},
        {"name": "wave", "task_types": ["Gesturing"], "parameters": [{"name": "to", "roles": ["Recipient"]}]}]})
    library = SkillLibrary.load([tmp_path / "default.yaml", user])
    assert library["pick"].description == "mine"
    assert "wave" in library and "bring" in library
    assert library["pick"].source.startswith(str(user / "mine.yaml"))


def _mutate(kind: str) -> tuple[dict, str, str]:
    """A broken copy of the three-skill library, the skill and the field the message must name."""
    data = copy.deepcopy(THREE_SKILLS)
    skills = data["skills"]
    if kind == "unknown key":
        skills[1]["colour"] = "red"
        return data, "pick", "colour"
    if kind == "missing name":
        del skills[1]["name"]
        return data, "#2", "name"
    if kind == "duplicate skill":
        skills.append(copy.deepcopy(skills[0]))
        return data, "navigate", "duplicate name"
    if kind == "parameter with no role":
        skills[1]["parameters"][0]["roles"] = []
        return data, "pick", "parameters.0.roles"
    if kind == "parameter missing roles":
        del skills[1]["parameters"][1]["roles"]
        return data, "pick", "parameters.1.roles"
    if kind == "bad kind":
        skills[1]["parameters"][1]["kind"] = "place"
        return data, "pick", "parameters.1.kind"
    if kind == "unknown step skill":
        skills[2]["steps"][0]["skill"] = "grasp"
        return data, "bring", "steps[0].skill"
    if kind == "unknown step parameter":
        skills[2]["steps"][0]["args"] = {"thing": "$object"}
        return data, "bring", "steps[0].args.thing"
    if kind == "unknown step reference":
        skills[2]["steps"][0]["args"] = {"object": "$item"}
        return data, "bring", "steps[0].args.object"
    if kind == "unknown predicate":
        skills[1]["preconditions"][1] = "flying(object)"
        return data, "pick", "preconditions[1]"
    if kind == "wrong arity":
        skills[1]["effects"] = ["holding(object, source)"]
        return data, "pick", "effects[0]"
    if kind == "effect on a derived predicate":
        skills[1]["effects"] = ["hand_empty"]
        return data, "pick", "effects[0]"
    if kind == "bad step condition":
        skills[2]["steps"][1]["when"] = "person(someone)"
        return data, "bring", "steps[1].when"
    if kind == "bad goal":
        skills[2]["achieves"] = ["with(object, place)"]
        return data, "bring", "achieves[0]"
    if kind == "duplicate role":
        skills[1]["parameters"][1]["roles"] = ["Theme"]
        return data, "pick", "parameters[1].roles"
    if kind == "two plain skills for one type":
        skills.append({"name": "grab", "task_types": ["Picking"],
                       "parameters": [{"name": "object", "roles": ["Theme"]}]})
        return data, "grab", "cues"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", [
    "unknown key", "missing name", "duplicate skill", "parameter with no role", "parameter missing roles",
    "bad kind", "unknown step skill", "unknown step parameter", "unknown step reference", "unknown predicate",
    "wrong arity", "effect on a derived predicate", "bad step condition", "bad goal", "duplicate role",
    "two plain skills for one type",
])
def test_bad_library_names_file_skill_field_and_line(tmp_path, kind):
    data, skill, field = _mutate(kind)
    path = write_yaml(tmp_path / "lib.yaml", data)
    with pytest.raises(SkillLibraryError) as err:
        SkillLibrary.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}:"), message
    assert message.split(":")[1].strip().isdigit(), message  # a line number
    assert f"skill {skill!r}" in message and field in message, message


def test_composite_cycle_is_named(tmp_path):
    data = copy.deepcopy(THREE_SKILLS)
    data["skills"] += [{"name": "a", "parameters": [{"name": "x", "roles": ["Theme"]}],
                        "steps": [{"skill": "b", "args": {"x": "$x"}}]},
                       {"name": "b", "parameters": [{"name": "x", "roles": ["Theme"]}],
                        "steps": [{"skill": "a", "args": {"x": "$x"}}]}]
    path = write_yaml(tmp_path / "lib.yaml", data)
    with pytest.raises(SkillLibraryError, match=r"lib\.yaml:\d+: skill 'a': field steps: composite cycle a -> b -> a"):
        SkillLibrary.load(path)


def test_line_points_at_the_offending_key(tmp_path):
    path = tmp_path / "lib.yaml"
    path.write_text("skills:\n  - name: pick\n    task_types: [Picking]\n    colour: red\n", encoding="utf-8")
    with pytest.raises(SkillLibraryError, match=r"lib\.yaml:4: skill 'pick': field colour"):
        SkillLibrary.load(path)


@pytest.mark.parametrize("text, problem", [
    ("- name: a\n", "expected 'skills: [...]'"),
    ("skills: []\nextra: 1\n", "unknown top-level key(s) 'extra'"),
])
def test_bad_top_level(tmp_path, text, problem):
    path = tmp_path / "lib.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SkillLibraryError, match=re.escape(problem)):
        SkillLibrary.load(path)


def test_duplicate_across_files_of_one_directory(tmp_path):
    write_yaml(tmp_path / "a.yaml", {"skills": [THREE_SKILLS["skills"][0]]})
    write_yaml(tmp_path / "b.yaml", {"skills": [THREE_SKILLS["skills"][0]]})
    with pytest.raises(SkillLibraryError, match=r"b\.yaml:\d+: skill 'navigate': duplicate name \(also at .*a\.yaml"):
        SkillLibrary.load(tmp_path)


@pytest.mark.parametrize("path", ["nowhere", "empty_dir"])
def test_missing_sources(tmp_path, path):
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(SkillLibraryError, match="no such skill file|no .yaml skill files"):
        SkillLibrary.load(Path(tmp_path / path))


def test_an_override_that_breaks_a_shipped_composite_is_blamed(tmp_path):
    user = write_yaml(tmp_path / "mine.yaml", {"skills": [
        {"name": "pick", "task_types": ["Picking"], "effects": ["holding(thing)"],
         "parameters": [{"name": "thing", "roles": ["Theme"], "required": True}]}]})
    with pytest.raises(SkillLibraryError) as err:
        SkillLibrary.load([ROOT / "skills", user])
    message = str(err.value)
    assert message.startswith(f"{user}:2: skill 'pick': field parameters: overrides the skill of "), message
    assert "primitives.yaml" in message and "parameter 'object'" in message and "'bring'" in message


@pytest.mark.parametrize("skill, field", [
    ({"name": "wave", "task_types": ["Waving"]}, r"field task_types\[0\]: unknown task type 'Waving'"),
    ({"name": "wave", "task_types": ["Motion"], "parameters": [{"name": "to", "roles": ["Addressee"]}]},
     r"field parameters\[0\]\.roles: unknown role 'Addressee'"),
    ({"name": "wave", "task_types": ["Motion"], "accepts": ["Agent", "Whom"]}, r"field accepts\[1\]: unknown role"),
])
def test_vocabulary_check_names_file_line_and_field(tmp_path, skill, field):
    path = write_yaml(tmp_path / "mine.yaml", {"skills": [skill]})
    library = SkillLibrary.load(path)
    with pytest.raises(SkillLibraryError, match=rf"^{re.escape(str(path))}:2: skill 'wave': {field}"):
        library.check_vocabulary(TAGE_TASK_TYPES, ["Goal", "Theme", "Agent"])


def test_a_json_skill_file_names_the_file_without_a_line(tmp_path):
    path = tmp_path / "skills.json"
    path.write_text('{"skills": [{"name": 5}]}', encoding="utf-8")
    with pytest.raises(SkillLibraryError) as err:
        SkillLibrary.load(path)
    assert str(err.value).startswith(f"{path}: skill 5: field name: ")  # JSON has no lines: no "None" either
