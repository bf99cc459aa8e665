"""Tests of `decoding.vocabulary`: reading label lists, finding labels outside them, the restricted schema."""

from pathlib import Path

import jsonschema
import pytest

from decoding.errors import DataError
from decoding.files import read_parses
from decoding.parse import Parse
from decoding.vocabulary import Vocabulary

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "data" / "tage" / "raw" / "labels"
SMALL = Vocabulary(task_types=("Picking", "Placing"), roles=("Theme", "Goal"), classes=("cup", "table", "unk"),
                   attributes=("isColour",))


def _parse(task_type="Picking", role="Theme", grounding="cup", attribute="isColour") -> Parse:
    mark = {"type": attribute, "span": {"start": 2, "end": 2, "text": "red"}}
    argument = {"role": role, "span": {"start": 2, "end": 3, "text": "red cup"}, "grounding": grounding,
                "attributes": [mark]}
    return Parse.model_validate({
        "instruction": "pick the red cup", "tokens": ["pick", "the", "red", "cup"],
        "tasks": [{"type": task_type, "trigger": {"start": 0, "end": 0, "text": "pick"}, "arguments": [argument]}]})


def _write_labels(folder: Path, **overrides: str) -> Path:
    files = {"tasks.txt": "Picking\n", "args.txt": "Theme\n", "grounding.txt": "cup\nunk\n",
             "attributes.txt": "isColour\n"}
    files.update({f"{k}.txt": v for k, v in overrides.items()})
    for name, text in files.items():
        if text is not None:
            (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_shipped_labels():
    vocabulary = Vocabulary.from_dir(LABELS)
    assert (len(vocabulary.task_types), len(vocabulary.roles), len(vocabulary.classes)) == (16, 17, 88)
    assert "unk" in vocabulary.classes
    assert {"isColour", "isMaterial", "isSize", "isCount", "Relation", "PoseModifier", "has_a"} <= set(
        vocabulary.attributes)


def test_from_dir_strips_blank_lines_and_spaces(tmp_path):
    _write_labels(tmp_path, tasks="  Picking \n\nPlacing\n\n")
    assert Vocabulary.from_dir(tmp_path).task_types == ("Picking", "Placing")


@pytest.mark.parametrize(("overrides", "message"), [
    ({"grounding": ""}, r"grounding\.txt: label list is empty"),
    ({"args": "Theme\nGoal\nTheme\n"}, r"args\.txt: label list repeats a label"),
])
def test_bad_label_lists_name_the_file(tmp_path, overrides, message):
    with pytest.raises(DataError, match=message):
        Vocabulary.from_dir(_write_labels(tmp_path, **overrides))


def test_missing_label_list_names_the_file(tmp_path):
    _write_labels(tmp_path)
    (tmp_path / "attributes.txt").unlink()
    with pytest.raises(DataError, match=r"attributes\.txt: cannot read label list"):
        Vocabulary.from_dir(tmp_path)


@pytest.mark.parametrize(("change", "problem"), [
    ({}, None),
    ({"task_type": "Flying"}, "task 0: unknown task type 'Flying'"),
    ({"role": "Source"}, "task 0 (Picking): unknown role 'Source'"),
    ({"grounding": "sofa"}, "task 0 (Picking) Theme: unknown grounding class 'sofa'"),
    ({"attribute": "isSize"}, "task 0 (Picking) Theme: unknown attribute 'isSize'"),
])
def test_problems(change, problem):
    assert SMALL.problems(_parse(**change)) == ([problem] if problem else [])


def test_problems_lists_every_problem():
    assert len(SMALL.problems(_parse(task_type="Flying", role="Source", grounding="sofa", attribute="x"))) == 4


def test_json_schema_uses_the_labels():
    defs = SMALL.json_schema()["$defs"]
    assert defs["TaskFrame"]["properties"]["type"]["enum"] == ["Picking", "Placing"]
    assert defs["Argument"]["properties"]["role"]["enum"] == ["Theme", "Goal"]
    assert defs["Argument"]["properties"]["grounding"]["enum"] == ["cup", "table", "unk"]


@pytest.mark.parametrize(("change", "valid"), [
    ({}, True), ({"task_type": "Flying"}, False), ({"role": "Source"}, False), ({"grounding": "sofa"}, False)])
def test_json_schema_agrees_with_problems(change, valid):
    parse = _parse(**change)
    errors = list(jsonschema.Draft202012Validator(SMALL.json_schema()).iter_errors(parse.model_dump(mode="json")))
    assert (not errors) == valid == (not SMALL.problems(parse))


@pytest.mark.parametrize("split", ["train", "dev", "test"])
def test_converted_data_uses_only_the_shipped_labels(split):
    vocabulary = Vocabulary.from_dir(LABELS)
    validator = jsonschema.Draft202012Validator(vocabulary.json_schema())
    for parse in read_parses(ROOT / "data" / "tage" / f"{split}.jsonl"):
        assert vocabulary.problems(parse) == [], parse.instruction
        assert not list(validator.iter_errors(parse.model_dump(mode="json"))), parse.instruction
