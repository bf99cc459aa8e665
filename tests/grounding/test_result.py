"""The grounded result serialises to the field names of formats.md section 4."""

import json

from grounding import ground_parse

from .conftest import parse_of


def test_json_has_the_binding_field_names(scene, library):
    parse = parse_of("take the mug", "0 0 Picking ; 2 2 Theme", "picking : take , theme : mug :cup")
    data = json.loads(ground_parse(parse, scene, library).model_dump_json())
    assert {"instruction", "parse", "tasks", "plan", "clarifications", "errors", "timing_ms"} <= set(data)
    task = data["tasks"][0]
    assert {"task", "skill", "status", "bindings"} <= set(task)
    assert {"role", "parameter", "span", "node", "score"} <= set(task["bindings"][0])
    assert {"task", "role", "span", "question", "candidates"} <= set(data["clarifications"][0])
    assert {"parse", "ground", "total"} == set(data["timing_ms"])
    assert data["parse"]["tokens"] == ["take", "the", "mug"]


def test_plan_and_error_fields(scene, library):
    parse = parse_of("take the red mug then take the apple", "0 0 Picking ; 2 3 Theme | 5 5 Picking ; 7 7 Theme",
                     "picking : take , theme : red mug :cup ; picking : take , theme : apple :apple")
    data = json.loads(ground_parse(parse, scene, library).model_dump_json())
    assert {"skill", "args", "from_task"} <= set(data["plan"][0])
    assert {"task", "role", "code", "message", "nearest"} <= set(data["errors"][0])
