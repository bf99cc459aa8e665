"""Tests of `decoding.parse`: validation of spans and parses, and the JSON Schema export."""

from pathlib import Path

import jsonschema
import pytest
from pydantic import ValidationError

from decoding.files import read_parses
from decoding.parse import Argument, Attribute, Parse, Span, TaskFrame, parse_json_schema

ROOT = Path(__file__).resolve().parents[2]
INSTRUCTION = "take the newspaper from the stand"
TOKENS = ("take", "the", "newspaper", "from", "the", "stand")
OFFSETS = ((0, 4), (5, 8), (9, 18), (19, 23), (24, 27), (28, 33))


def _picking(theme: Span, trigger: Span | None = None) -> TaskFrame:
    return TaskFrame(type="Picking", trigger=trigger or Span(start=0, end=0, text="take"),
                     arguments=(Argument(role="Theme", span=theme, grounding="newspaper"),))


def _parse_dict(**task_changes) -> dict:
    task = {"type": "Picking", "trigger": {"start": 0, "end": 0, "text": "take"},
            "arguments": [{"role": "Theme", "span": {"start": 2, "end": 2, "text": "newspaper"}}]}
    task.update(task_changes)
    return {"instruction": INSTRUCTION, "tokens": list(TOKENS), "tasks": [task]}


def test_valid_parse_round_trips_through_json():
    parse = Parse(instruction=INSTRUCTION, tokens=TOKENS, offsets=OFFSETS,
                  tasks=(_picking(Span(start=2, end=2, text="newspaper")),))
    assert Parse.model_validate_json(parse.model_dump_json()) == parse
    assert parse.tasks[0].arguments[0].attributes == ()


def test_grounding_defaults_to_unk():
    assert Argument(role="Source", span=Span(start=5, end=5, text="stand")).grounding == "unk"


@pytest.mark.parametrize(("span", "message"), [
    (Span(start=6, end=6, text="x"), "outside the 6 tokens"),
    (Span(start=5, end=7, text="stand"), "outside the 6 tokens"),
    (Span(start=2, end=2, text="paper"), "is not the words 'newspaper'"),
    (Span(start=1, end=2, text="the  newspaper"), "is not the words 'the newspaper'"),
    (Span(start=2, end=2, text="Newspaper"), "is not the words 'newspaper'"),
])
def test_argument_span_must_lie_on_the_tokens(span, message):
    with pytest.raises(ValidationError, match=message):
        Parse(instruction=INSTRUCTION, tokens=TOKENS, tasks=(_picking(span),))


def test_trigger_and_attribute_spans_are_checked_too():
    with pytest.raises(ValidationError, match="trigger: span 9-9"):
        Parse(instruction=INSTRUCTION, tokens=TOKENS,
              tasks=(_picking(Span(start=2, end=2, text="newspaper"), Span(start=9, end=9, text="x")),))
    bad_mark = Argument(role="Theme", span=Span(start=2, end=2, text="newspaper"),
                        attributes=(Attribute(type="isColour", span=Span(start=1, end=1, text="red")),))
    with pytest.raises(ValidationError, match="attribute isColour of Theme"):
        Parse(instruction=INSTRUCTION, tokens=TOKENS,
              tasks=(TaskFrame(type="Picking", trigger=Span(start=0, end=0, text="take"), arguments=(bad_mark,)),))


@pytest.mark.parametrize(("start", "end"), [(3, 2), (1, 0)])
def test_span_end_before_start_is_rejected(start, end):
    with pytest.raises(ValidationError, match=f"span end {end} is before its start {start}"):
        Span(start=start, end=end, text="x")


def test_negative_index_is_rejected():
    with pytest.raises(ValidationError):
        Span(start=-1, end=0, text="take")


@pytest.mark.parametrize(("where", "data"), [
    ("parse", {**_parse_dict(), "confidence": 0.9}),
    ("task", _parse_dict(confidence=1.0)),
    ("argument", _parse_dict(arguments=[{"role": "Theme", "span": {"start": 2, "end": 2, "text": "newspaper"},
                                         "head": 2}])),
    ("span", _parse_dict(trigger={"start": 0, "end": 0, "text": "take", "lemma": "take"})),
])
def test_extra_keys_are_rejected(where, data):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Parse.model_validate(data)


@pytest.mark.parametrize("score", [-0.1, 1.5])
def test_a_score_is_a_probability(score):
    with pytest.raises(ValidationError, match="score"):
        Parse.model_validate(_parse_dict(score=score))


def test_offsets_must_match_tokens():
    with pytest.raises(ValidationError, match="5 offsets for 6 tokens"):
        Parse(instruction=INSTRUCTION, tokens=TOKENS, offsets=OFFSETS[:5])


def test_parse_is_frozen():
    parse = Parse(instruction=INSTRUCTION, tokens=TOKENS)
    with pytest.raises(ValidationError):
        parse.instruction = "other"


@pytest.mark.parametrize(("offsets", "start", "end", "expected"), [
    (OFFSETS, 2, 2, Span(start=2, end=2, text="newspaper", char_start=9, char_end=18)),
    (OFFSETS, 3, 5, Span(start=3, end=5, text="from the stand", char_start=19, char_end=33)),
    ((), 3, 5, Span(start=3, end=5, text="from the stand")),
])
def test_span_helper_fills_text_and_offsets(offsets, start, end, expected):
    assert Parse(instruction=INSTRUCTION, tokens=TOKENS, offsets=offsets).span(start, end) == expected


def test_schema_without_labels_has_no_enums():
    schema = parse_json_schema()
    assert "enum" not in schema["$defs"]["TaskFrame"]["properties"]["type"]
    assert "enum" not in schema["$defs"]["Argument"]["properties"]["role"]
    assert schema["additionalProperties"] is False


def test_schema_with_labels_has_enums():
    schema = parse_json_schema(["Picking", "Placing"], ["Theme"], ["newspaper", "unk"])
    assert schema["$defs"]["TaskFrame"]["properties"]["type"]["enum"] == ["Picking", "Placing"]
    assert schema["$defs"]["Argument"]["properties"]["role"]["enum"] == ["Theme"]
    assert schema["$defs"]["Argument"]["properties"]["grounding"]["enum"] == ["newspaper", "unk"]
    assert "enum" not in parse_json_schema()["$defs"]["TaskFrame"]["properties"]["type"]  # no shared state


@pytest.mark.parametrize(("change", "valid"), [
    ({}, True),
    ({"type": "Flying"}, False),
    ({"arguments": [{"role": "Goal", "span": {"start": 2, "end": 2, "text": "newspaper"}}]}, False),
    ({"arguments": [{"role": "Theme", "span": {"start": 2, "end": 2, "text": "newspaper"}, "grounding": "cup"}]},
     False),
    ({"trigger": {"start": -1, "end": 0, "text": "take"}}, False),
    ({"extra": 1}, False),
])
def test_enum_schema_validates_with_jsonschema(change, valid):
    schema = parse_json_schema(["Picking"], ["Theme"], ["newspaper", "unk"])
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(_parse_dict(**change)))
    assert (not errors) == valid, errors


def test_every_converted_test_parse_validates_against_the_schema():
    validator = jsonschema.Draft202012Validator(parse_json_schema())
    jsonschema.Draft202012Validator.check_schema(validator.schema)
    parses = read_parses(ROOT / "data" / "tage" / "test.jsonl")
    assert len(parses) == 580
    for parse in parses:
        errors = list(validator.iter_errors(parse.model_dump(mode="json")))
        assert not errors, (parse.instruction, errors[0].message)
