"""`tage annotate` end to end through the console script: pre, export, import, validate, convert."""

import json
from pathlib import Path

from tests.agent.test_cli import tage

TEST = Path(__file__).resolve().parents[3] / "data" / "tage" / "test.jsonl"


def _clean_exit_2(result, *fragments):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_round_trip_through_the_commands(tmp_path):
    (tmp_path / "in.txt").write_bytes(b"pick up the red cup\ngo to the kitchen \xff\nbring me the box\n")
    pre = tage("annotate", "pre", "in.txt", "-o", "pre.jsonl", "--backend", "rules", "--no-progress", cwd=tmp_path)
    _clean_exit_2(pre, "in.txt: line 2: not UTF-8 text")
    assert "2 instructions: 0 already done, 2 parsed" in pre.stdout
    steps = [("export", "pre.jsonl", "-o", "ls.json"), ("import", "ls.json", "-o", "back.jsonl"),
             ("validate", "back.jsonl"), ("convert", "back.jsonl", "-o", "back.csv"),
             ("convert", "back.csv", "-o", "again.jsonl"), ("convert", "again.jsonl", "-o", "again.bio")]
    for step in steps:
        result = tage("annotate", *step, cwd=tmp_path)
        assert result.returncode == 0, (step, result.stderr)
    assert (tmp_path / "ls.config.xml").read_text().startswith("<View>")
    assert (tmp_path / "back.jsonl").read_text() == (tmp_path / "pre.jsonl").read_text()
    assert (tmp_path / "again.jsonl").read_text() == (tmp_path / "pre.jsonl").read_text()


def test_bad_export_is_reported_with_exit_2(tmp_path):
    task = {"id": 3, "data": {"text": "pick the cup"}, "annotations": [{"result": [
        {"id": "a", "from_name": "trigger", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 4, "labels": ["Picking"]}},
        {"id": "b", "from_name": "role", "to_name": "text", "type": "labels",
         "value": {"start": 9, "end": 30, "labels": ["Theme"]}}]}]}
    (tmp_path / "ls.json").write_text(json.dumps([task]))
    result = tage("annotate", "import", "ls.json", "-o", "gold.jsonl", cwd=tmp_path)
    _clean_exit_2(result, "ls.json: item 1 (task id 3): region b: span 9-30 is outside the text of 12 characters",
                  "ls.json: 1 problem in 1 items")
    assert json.loads((tmp_path / "gold.jsonl").read_text())["tasks"][0]["type"] == "Picking"


def test_validate_exits_2_on_problems(tmp_path):
    lines = TEST.read_text().splitlines()[:3]
    (tmp_path / "gold.jsonl").write_text("\n".join([lines[0], lines[1].replace('"Rotation"', '"Spinning"'),
                                                    lines[2]]) + "\n")
    result = tage("annotate", "validate", "gold.jsonl", cwd=tmp_path)
    _clean_exit_2(result, "gold.jsonl: line 2: label set: task 0: unknown task type 'Spinning'")
    assert "3 lines, 2 valid" in result.stdout


def test_convert_refuses_unknown_pairs(tmp_path):
    (tmp_path / "a.jsonl").write_text("")
    result = tage("annotate", "convert", "a.jsonl", "-o", "a.txt", cwd=tmp_path)
    _clean_exit_2(result, "cannot convert .jsonl to .txt")
