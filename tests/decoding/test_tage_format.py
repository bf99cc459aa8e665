"""Tests of `decoding.tage_format`: reading tagE rows, the round trip on every row, repairs and bad input."""

import csv
import io
import re
from pathlib import Path

import pytest

from decoding.errors import DataError
from decoding.files import read_parses
from decoding.tage_format import (
    SPLITS,
    RowError,
    convert_csv,
    convert_dataset,
    read_row,
    text_form_tokens,
    to_seq2seq_output,
    to_tage_output,
)

ROOT = Path(__file__).resolve().parents[2]
RAW = ROOT / "data" / "tage" / "raw"
COUNTS = {"train": 1180, "dev": 182, "test": 580}
HEADER = "input,tage_output,seq2seq_output\n"

# The README's example row.
NEWSPAPER = ("take the newspaper from the stand and put it on the coffee table",
             "0 0 Picking  ; 2 2 Theme; 5 5 Source|  7 7 Placing  ; 2 2 Theme; 11 12 Goal",
             "picking : take , theme : newspaper :newspaper , source : stand :unk ; "
             "placing : put , theme : newspaper :newspaper , goal : coffee table :table")
GOOD_ROW = '"pick the cup",0 0 Picking ; 2 2 Theme,"picking : pick , theme : cup :cup"\n'
BAD_ROW = '"pick the cup",0 0 Picking ; 2 2 Theme,"picking : pick , theme : mug :cup"\n'


# --- reading rows -------------------------------------------------------------------------------------------------

def test_read_row_of_the_readme_example():
    parse, repairs = read_row(*NEWSPAPER)
    assert repairs == []
    assert [(t.type, t.trigger.text) for t in parse.tasks] == [("Picking", "take"), ("Placing", "put")]
    assert [(a.role, a.span.start, a.span.end, a.span.text, a.grounding) for a in parse.tasks[1].arguments] == [
        ("Theme", 2, 2, "newspaper", "newspaper"), ("Goal", 11, 12, "coffee table", "table")]
    assert parse.tasks[1].arguments[1].span.char_start == NEWSPAPER[0].index("coffee table")
    assert parse.tasks[0].arguments[0].span == parse.tasks[1].arguments[0].span  # the shared argument


@pytest.mark.parametrize("mark", ["-2 2 isColour", "- 2 2 isColour", "-2  2 isColour", " -  2 2 isColour"])
def test_attribute_mark_spacing_is_tolerated(mark):
    parse, repairs = read_row("pick the red cup", f"0 0 Picking ; 2 3 Theme {mark}",
                              "picking : pick , theme : red cup :cup")
    assert repairs == []
    [attribute] = parse.tasks[0].arguments[0].attributes
    assert (attribute.type, attribute.span.text) == ("isColour", "red")


def test_one_span_with_two_roles_and_one_trigger_for_two_tasks():
    parse, _ = read_row("pick the black cup and the brown cup",
                        "0 0 Picking ; 2 3 Theme| 0 0 Picking ; 6 7 Theme; 6 7 Cotheme",
                        "picking : pick , theme : black cup :cup ; "
                        "picking : pick , theme : brown cup :cup , cotheme : brown cup :cup")
    assert [t.trigger for t in parse.tasks][0] == parse.tasks[1].trigger
    assert [a.role for a in parse.tasks[1].arguments] == ["Theme", "Cotheme"]


def test_case_of_the_instruction_is_kept():
    parse, _ = read_row("Take the Cup", "0 0 Picking ; 2 2 Theme", "picking : take , theme : cup :cup")
    assert parse.tasks[0].trigger.text == "Take"
    assert to_seq2seq_output(parse) == "picking : take , theme : cup :cup"


@pytest.mark.parametrize(("tage_output", "seq2seq_output", "repairs"), [
    ("00 0 Cutting ; 2 2 Theme", "cutting : slice , theme : bread :bread", ["read word index '00' as 0"]),
    ("0 0 Cutting ; 2 2 Theme -- 2 2 isColor", "cutting : slice , theme : bread :bread",
     ["read attribute mark -- 2 2 isColor as - 2 2 isColour"]),
    ("0 0 Cutting ; 2 2 Theme| 3 3 Picking 2 2 Theme", "cutting : slice , theme : bread :bread ; picking : pick",
     ["inserted the missing ';' in '3 3 Picking 2 2 Theme'", "task 1: took the class of 'bread' from another task"]),
])
def test_repairs_are_reported(tage_output, seq2seq_output, repairs):
    parse, made = read_row("slice the bread pick it", tage_output, seq2seq_output)
    assert made == repairs
    assert parse.tasks[-1].arguments[0].span.text == "bread"


def test_missing_semicolon_without_a_class_elsewhere_is_an_error():
    with pytest.raises(RowError, match="no single class for 'bread' elsewhere in the row"):
        read_row("slice the bread pick it", "0 0 Cutting ; 4 4 Theme| 3 3 Picking 2 2 Theme",
                 "cutting : slice , theme : it :unk ; picking : pick")


@pytest.mark.parametrize(("columns", "message"), [
    (("pick the cup", "0 0 Picking ; 2 2 Theme", None), "fewer than three columns"),
    (("pick the cup", "0 0 Picking ; 2 2 Theme | 0 0 Picking", "picking : pick , theme : cup :cup"),
     "span form has 2 tasks, text form 1"),
    (("pick the cup", "0 0 Picking ; 2 3 Theme", "picking : pick , theme : cup :cup"),
     "span 2 3 is outside the 3 words"),
    (("pick the cup", "3 3 Picking", "picking : pick"), "span 3 3 is outside the 3 words"),
    (("pick the cup", "0 0 Placing ; 2 2 Theme", "picking : pick , theme : cup :cup"),
     "task 0: span form Placing 'pick' but text form picking 'pick'"),
    (("pick the cup", "0 0 Picking ; 1 2 Theme", "picking : pick , theme : cup :cup"),
     "argument Theme 'the cup' but text form theme 'cup'"),
    (("pick the cup", "0 0 Picking ; 2 2 Goal", "picking : pick , theme : cup :cup"),
     "argument Goal 'cup' but text form theme 'cup'"),
    (("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup , goal : cup :cup"),
     "span form has 1 arguments, text form 2"),
    (("pick the cup", "0 0 Picking ; two 2 Theme", "picking : pick , theme : cup :cup"),
     "entry 'two 2 Theme' is not 'START END Label"),
    (("pick the cup", "2 2 Theme -0 0 isColour", "picking : pick"), "does not start with 'START END TaskType'"),
    (("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme cup"),
     "text-form argument 'theme cup' is not 'role : words :class'"),
])
def test_bad_rows_raise_row_error(columns, message):
    with pytest.raises(RowError, match=re.escape(message)):
        read_row(*columns)


# --- writing rows -------------------------------------------------------------------------------------------------

def test_writing_the_readme_example():
    parse, _ = read_row(*NEWSPAPER)
    assert to_tage_output(parse) == "0 0 Picking; 2 2 Theme; 5 5 Source| 7 7 Placing; 2 2 Theme; 11 12 Goal"
    assert to_seq2seq_output(parse) == NEWSPAPER[2]


@pytest.mark.parametrize(("text", "tokens"), [
    ("0 0 Picking  ; 2 2 Theme -10 10 isColour|", ["0", "0", "Picking", ";", "2", "2", "Theme", "-", "10", "10",
                                                   "isColour", "|"]),
    ("goal : coffee table :table", ["goal", ":", "coffee", "table", ":", "table"]),
    ("x - 6 6", ["x", "-", "6", "6"]),
])
def test_text_form_tokens(text, tokens):
    assert text_form_tokens(text) == tokens


# --- the whole dataset --------------------------------------------------------------------------------------------

# The repaired rows, with the original columns and what the converted parse writes back: the documented difference.
REPAIRED = {
    ("train", 533): (  # the word index "00" read as 0
        "00 0 Rotation ; 1 1 Manner| 2 2 Motion ; 3 3 Manner; 4 5 Degree|6 6 Rotation ; 7 7 Manner| "
        "8 8 Motion ; 9 9 Manner|10 10 Rotation ; 11 11 Manner; 15 15 Goal -18 18 Relation; 21 21 coGoal",
        "0 0 Rotation; 1 1 Manner| 2 2 Motion; 3 3 Manner; 4 5 Degree| 6 6 Rotation; 7 7 Manner| "
        "8 8 Motion; 9 9 Manner| 10 10 Rotation; 11 11 Manner; 15 15 Goal -18 18 Relation; 21 21 coGoal",
        None, None),
    ("train", 1014): (  # the missing ';' after "3 3 Picking"; its Theme's class is that of "bread" elsewhere
        "0 0 Cutting ; 2 2 Theme| 3 3 Picking 2 2 Theme | 5 5 Rotation ; 7 7 Manner| 8 8 Placing ; 2 2 Theme; "
        "12 12 Goal; 12 12 Containing_object",
        "0 0 Cutting; 2 2 Theme| 3 3 Picking; 2 2 Theme| 5 5 Rotation; 7 7 Manner| 8 8 Placing; 2 2 Theme; "
        "12 12 Goal; 12 12 Containing_object",
        "cutting : slice , theme : bread :bread ; picking : pick ; rotation : turn , manner : left :unk ; "
        "placing : put , theme : bread :bread , goal : microwave :microwave , "
        "containing_object : microwave :microwave",
        "cutting : slice , theme : bread :bread ; picking : pick , theme : bread :bread ; "
        "rotation : turn , manner : left :unk ; placing : put , theme : bread :bread , goal : microwave :microwave , "
        "containing_object : microwave :microwave"),
    ("train", 1158): (  # "-- 10 10 isColor" read as "-10 10 isColour"
        "0 0 Motion; 3 3 Goal; 6 6 coGoal | 8 8 Picking; 10 11 Theme -- 10 10 isColor; 3 3 Source",
        "0 0 Motion; 3 3 Goal; 6 6 coGoal| 8 8 Picking; 10 11 Theme -10 10 isColour; 3 3 Source",
        None, None),
    ("dev", 18): (  # "Has_a" read as "has_a"
        "1 1 Being_in_category  ; 3 4 Theme - 7 9 Has_a - 13 14 Has_a; 7 9 Category - 9 9 isMaterial; "
        "13 14 Category - 13 13 isCount",
        "1 1 Being_in_category; 3 4 Theme -7 9 has_a -13 14 has_a; 7 9 Category -9 9 isMaterial; "
        "13 14 Category -13 13 isCount",
        None, None),
    ("test", 78): (  # "Has_a" read as "has_a"
        "2 2 Being_in_category  ; 4 4 Theme  - 6 8 Has_a - 10 11 Has_a; 7 8 Category - 6 6 isCount; "
        "10 11 Category - 10 10 isCount",
        "2 2 Being_in_category; 4 4 Theme -6 8 has_a -10 11 has_a; 7 8 Category -6 6 isCount; "
        "10 11 Category -10 10 isCount",
        None, None),
    ("test", 362): (  # "poseModifier" read as "PoseModifier"
        "0 0 Placing ; 2 3 Theme; 6 6 Goal - 9 10 poseModifier; 9 11 coGoal",
        "0 0 Placing; 2 3 Theme; 6 6 Goal -9 10 PoseModifier; 9 11 coGoal",
        None, None),
}


def _rows_with_lines(path: Path) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    rows, line = [], 2
    for row in reader:
        rows.append((line, row))
        line = reader.line_num + 1
    return rows


@pytest.fixture(scope="module")
def conversions():
    return {split: convert_csv(RAW / f"{split}.csv") for split in SPLITS}


def _repaired_lines(conversion) -> set[int]:
    return {int(r.split(":")[1]) for r in conversion.repairs}


@pytest.mark.parametrize("split", SPLITS)
def test_every_row_converts(conversions, split):
    assert conversions[split].errors == []
    assert len(conversions[split].parses) == COUNTS[split]


def test_the_counts_add_up_to_1942(conversions):
    assert sum(len(c.parses) for c in conversions.values()) == 1942


@pytest.mark.parametrize("split", SPLITS)
def test_round_trip_of_every_row(conversions, split):
    rows = _rows_with_lines(RAW / f"{split}.csv")
    assert len(rows) == len(conversions[split].parses)
    for (line, row), parse in zip(rows, conversions[split].parses, strict=True):
        assert parse.instruction == row["input"]
        if (split, line) in REPAIRED:
            continue  # checked literally below
        assert text_form_tokens(to_tage_output(parse)) == text_form_tokens(row["tage_output"]), line
        assert text_form_tokens(to_seq2seq_output(parse)) == text_form_tokens(row["seq2seq_output"]), line


@pytest.mark.parametrize(("split", "line"), sorted(REPAIRED))
def test_repaired_rows_differ_exactly_as_documented(conversions, split, line):
    rows = dict(_rows_with_lines(RAW / f"{split}.csv"))
    index = list(rows).index(line)
    parse, row = conversions[split].parses[index], rows[line]
    tage_before, tage_after, text_before, text_after = REPAIRED[split, line]
    assert row["tage_output"] == tage_before
    assert to_tage_output(parse) == tage_after
    if text_before is None:  # the text form is unchanged
        assert text_form_tokens(to_seq2seq_output(parse)) == text_form_tokens(row["seq2seq_output"])
    else:
        assert row["seq2seq_output"] == text_before
        assert to_seq2seq_output(parse) == text_after


@pytest.mark.parametrize("split", SPLITS)
def test_the_repaired_rows_are_exactly_those(conversions, split):
    assert _repaired_lines(conversions[split]) == {line for s, line in REPAIRED if s == split}
    assert all(r.startswith(f"{RAW / split}.csv:") for r in conversions[split].repairs)


def test_repair_reports_say_what_was_done(conversions):
    assert conversions["train"].repairs == [
        f"{RAW}/train.csv:533: read word index '00' as 0",
        f"{RAW}/train.csv:1014: inserted the missing ';' in '3 3 Picking 2 2 Theme'",
        f"{RAW}/train.csv:1014: task 1: took the class of 'bread' from another task",
        f"{RAW}/train.csv:1158: read attribute mark -- 10 10 isColor as - 10 10 isColour",
    ]


@pytest.mark.parametrize("split", SPLITS)
def test_committed_jsonl_equals_a_fresh_conversion(conversions, split):
    path = ROOT / "data" / "tage" / f"{split}.jsonl"
    assert read_parses(path) == conversions[split].parses
    expected = "".join(p.model_dump_json(exclude_none=True) + "\n" for p in conversions[split].parses)
    assert path.read_text(encoding="utf-8") == expected


# --- bad files ----------------------------------------------------------------------------------------------------

def _csv(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_row_is_reported_by_file_and_line_and_the_rest_kept(tmp_path):
    path = _csv(tmp_path, "t.csv", HEADER + GOOD_ROW + BAD_ROW + GOOD_ROW)
    conversion = convert_csv(path)
    assert len(conversion.parses) == 2
    assert conversion.errors == [f"{path}:3: task 0 (Picking): argument Theme 'cup' but text form theme 'mug'"]


def test_line_numbers_count_quoted_newlines(tmp_path):
    two_lines = '"pick the\ncup",0 0 Picking ; 2 2 Theme,"picking : pick , theme : cup :cup"\n'
    path = _csv(tmp_path, "t.csv", HEADER + two_lines + "pick the cup,0 0 Picking\n")
    conversion = convert_csv(path)
    assert len(conversion.parses) == 1
    assert [e.split(": ")[0] for e in conversion.errors] == [f"{path}:4"]
    assert "fewer than three columns" in conversion.errors[0]


def test_missing_header_column(tmp_path):
    path = _csv(tmp_path, "t.csv", "input,tage_output\npick the cup,0 0 Picking\n")
    with pytest.raises(DataError, match=re.escape(f"{path}:1: header lacks column(s) seq2seq_output")):
        convert_csv(path)


@pytest.mark.parametrize("make", [
    lambda folder: folder / "absent.csv",
    lambda folder: folder,
    lambda folder: (folder / "latin.csv").write_bytes(HEADER.encode() + "caf\xe9\n".encode("latin-1"))
    and folder / "latin.csv",
])
def test_unreadable_file_is_named(tmp_path, make):
    path = make(tmp_path)
    with pytest.raises(DataError, match=re.escape(str(path))):
        convert_csv(path)


def test_convert_dataset_writes_the_three_splits(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for split in SPLITS:
        _csv(raw, f"{split}.csv", HEADER + GOOD_ROW * 2)
    conversions = convert_dataset(raw, tmp_path / "out")
    assert [len(c.parses) for c in conversions] == [2, 2, 2]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dev.jsonl", "test.jsonl", "train.jsonl"]
    assert read_parses(tmp_path / "out" / "dev.jsonl") == conversions[1].parses


def test_convert_dataset_writes_nothing_when_a_row_fails(tmp_path):
    raw, out = tmp_path / "raw", tmp_path / "out"
    raw.mkdir()
    out.mkdir()
    (out / "train.jsonl").write_text("old\n", encoding="utf-8")
    _csv(raw, "train.csv", HEADER + GOOD_ROW)
    _csv(raw, "dev.csv", HEADER + GOOD_ROW)
    _csv(raw, "test.csv", HEADER + GOOD_ROW + BAD_ROW)
    with pytest.raises(DataError, match=re.escape(f"1 row(s) do not parse, nothing written:\n{raw}/test.csv:3: ")):
        convert_dataset(raw, out)
    assert [p.name for p in out.iterdir()] == ["train.jsonl"]
    assert (out / "train.jsonl").read_text(encoding="utf-8") == "old\n"


def test_convert_dataset_names_a_missing_split(tmp_path):
    _csv(tmp_path, "train.csv", HEADER + GOOD_ROW)
    with pytest.raises(DataError, match=re.escape(f"{tmp_path}/dev.csv: cannot read")):
        convert_dataset(tmp_path, tmp_path / "out")
    assert not (tmp_path / "out").exists()
