"""Validation of annotation files: every problem with its line, and a summary."""

import json

from agent.annotate import validate_file
from agent.defaults import default_vocabulary, load_library
from decoding.tage_format import read_row


def _line(**change) -> str:
    parse, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    obj = json.loads(parse.model_dump_json(exclude_none=True))
    for path, value in change.items():
        *head, last = path.split("__")
        target = obj
        for key in head:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value
    return json.dumps(obj)


def test_each_problem_names_its_line(tmp_path):
    lines = [_line(), _line(tasks__0__type="Pickin"), "{not json", _line(tasks__0__arguments__0__role="Goal"),
             _line(tasks__0__arguments__0__grounding="cupp"), _line(tasks__0__trigger__end=9)]
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = validate_file(path, default_vocabulary(), load_library())
    found = {(p.where, p.message.split(":")[0]) for p in result.problems.items}
    assert ("line 2", "label set") in found and ("line 2", "skill library") in found
    assert ("line 3", "not JSON (Expecting property name enclosed in double quotes at column 2)") in found
    assert ("line 4", "skill library") in found          # Goal is a known role, but picking allows no Goal
    assert ("line 5", "label set") in found
    assert any(p.where == "line 6" and "not a valid Parse" in p.message for p in result.problems.items)
    assert (result.lines, result.valid) == (6, 1)
    assert result.summary().endswith("6 lines, 1 valid, 6 problems")


def test_non_utf8_line_is_reported_and_the_rest_checked(tmp_path):
    path = tmp_path / "gold.jsonl"
    path.write_bytes(_line().encode() + b"\n\xff\xfe\n" + _line().encode() + b"\n")
    result = validate_file(path, default_vocabulary(), load_library())
    assert [(p.where, p.message) for p in result.problems.items] == [("line 2", "not UTF-8 text")]
    assert (result.lines, result.valid) == (3, 2)
