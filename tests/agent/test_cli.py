"""End-to-end tests of the `tage` command through the installed console script, run from another directory."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "tage"
COUNTS = {"train": 1180, "dev": 182, "test": 580}
_SCRIPT = Path(sys.executable).parent / "tage"
TAGE = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-c", "from agent.cli import main; main()"]


def tage(*args, cwd, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*TAGE, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120,
                          env=None if env is None else {**os.environ, **env})


def _test_lines(n: int) -> list[str]:
    return (DATA / "test.jsonl").read_text(encoding="utf-8").splitlines()[:n]


def _jsonl(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def _assert_clean_failure(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)


def test_schema_is_json_with_the_vocabulary(tmp_path):
    result = tage("schema", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["title"] == "Parse"
    assert len(schema["$defs"]["TaskFrame"]["properties"]["type"]["enum"]) == 16
    assert len(schema["$defs"]["Argument"]["properties"]["role"]["enum"]) == 17
    assert len(schema["$defs"]["Argument"]["properties"]["grounding"]["enum"]) == 88


def test_version(tmp_path):
    result = tage("--version", cwd=tmp_path)
    assert result.returncode == 0 and "0." in result.stdout


def test_data_convert_writes_the_three_splits(tmp_path):
    result = tage("data", "convert", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for split, count in COUNTS.items():
        written = (tmp_path / "out" / f"{split}.jsonl").read_text(encoding="utf-8")
        assert len(written.splitlines()) == count
        assert f"{split}: {count} parses" in result.stdout
        assert written == (DATA / f"{split}.jsonl").read_text(encoding="utf-8")
    assert "train.csv:1014: inserted the missing ';'" in result.stdout
    assert "test.csv:362: read attribute mark" in result.stdout


def test_data_convert_with_a_bad_row_writes_nothing(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    header = "input,tage_output,seq2seq_output\n"
    good = '"pick the cup",0 0 Picking ; 2 2 Theme,"picking : pick , theme : cup :cup"\n'
    for split in COUNTS:
        (raw / f"{split}.csv").write_text(header + good, encoding="utf-8")
    (raw / "dev.csv").write_text(header + good + "pick the cup,0 0 Picking ; 9 9 Theme,picking : pick\n",
                                 encoding="utf-8")
    result = tage("data", "convert", "--raw", raw, "--out", tmp_path / "out", cwd=tmp_path)
    _assert_clean_failure(result, f"{raw / 'dev.csv'}:3:", "nothing written")
    assert not (tmp_path / "out").exists()


def test_eval_of_gold_against_itself(tmp_path):
    test = DATA / "test.jsonl"
    result = tage("eval", "--data", test, "--predictions", test, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["n"] == 580
    assert report["invalid"] == []
    assert report["backend"] == "predictions"
    figures = {k: v for k, v in report.items() if isinstance(v, float)}
    assert {"task_f1", "arg_f1", "arg_f1_grounded", "exact_match", "valid_rate"} <= set(figures)
    assert set(figures.values()) == {1.0}


def test_eval_prints_a_table_without_json(tmp_path):
    gold = _jsonl(tmp_path / "gold.jsonl", _test_lines(3))
    result = tage("eval", "--data", gold, "--predictions", gold, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "arg_f1" in result.stdout and "1.0000" in result.stdout


def _not_json(tmp_path):
    return _jsonl(tmp_path / "pred.jsonl", _test_lines(1) + ["{not json"]), "pred.jsonl:2: not JSON"


def _too_few(tmp_path):
    return _jsonl(tmp_path / "pred.jsonl", _test_lines(1)), "pred.jsonl: 1 predictions for the 2 instructions"


def _misaligned(tmp_path):
    lines = _test_lines(3)
    return _jsonl(tmp_path / "pred.jsonl", [lines[0], lines[2]]), "pred.jsonl:2: instruction"


def _missing(tmp_path):
    return tmp_path / "absent.jsonl", "absent.jsonl: cannot read"


@pytest.mark.parametrize("make_predictions", [_not_json, _too_few, _misaligned, _missing])
def test_eval_bad_predictions_file(tmp_path, make_predictions):
    gold = _jsonl(tmp_path / "gold.jsonl", _test_lines(2))
    predictions, message = make_predictions(tmp_path)
    _assert_clean_failure(tage("eval", "--data", gold, "--predictions", predictions, "--json", cwd=tmp_path),
                          message)


@pytest.mark.parametrize(("lines", "message"), [
    (lambda: ["{oops"], "gold.jsonl:1: not JSON"),
    (lambda: _test_lines(1) + ['{"instruction": "x"}'], "gold.jsonl:2: not a valid Parse"),
])
def test_eval_bad_gold_file(tmp_path, lines, message):
    gold = _jsonl(tmp_path / "gold.jsonl", lines())
    predictions = _jsonl(tmp_path / "pred.jsonl", _test_lines(2))
    _assert_clean_failure(tage("eval", "--data", gold, "--predictions", predictions, cwd=tmp_path), message)


def test_eval_missing_gold_file(tmp_path):
    predictions = _jsonl(tmp_path / "pred.jsonl", _test_lines(1))
    _assert_clean_failure(tage("eval", "--data", tmp_path / "absent.jsonl", "--predictions", predictions,
                               cwd=tmp_path), "absent.jsonl: cannot read")


def test_invalid_parses_are_counted_not_fatal(tmp_path):
    lines = _test_lines(4)
    unknown_type = json.loads(lines[1])
    unknown_type["tasks"][0]["type"] = "Flying"
    bad_span = json.loads(lines[2])
    bad_span["tasks"][0]["trigger"]["end"] = 99
    gold = _jsonl(tmp_path / "gold.jsonl", lines)
    predictions = _jsonl(tmp_path / "pred.jsonl", [lines[0], json.dumps(unknown_type), json.dumps(bad_span), lines[3]])
    result = tage("eval", "--data", gold, "--predictions", predictions, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["valid_rate"] == 0.5
    assert [line.split(": ")[0] for line in report["invalid"]] == [f"{predictions}:2", f"{predictions}:3"]
    assert "unknown task type 'Flying'" in report["invalid"][0]
    assert "not a valid Parse" in report["invalid"][1]
    assert report["task_f1"] < 1.0


@pytest.mark.parametrize("args", [["eval", "--predictions", "x.jsonl"], ["no-such-command"], ["eval"]])
def test_usage_errors_exit_2(tmp_path, args):
    result = tage(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_data_convert_out_under_a_regular_file_names_the_path(tmp_path):
    (tmp_path / "a_file").write_text("not a folder")
    result = tage("data", "convert", "--out", tmp_path / "a_file" / "out", cwd=tmp_path)
    _assert_clean_failure(result, "a_file", "Not a directory")


def test_train_data_outside_the_vocabulary_names_the_file(tmp_path):
    parse = json.loads(_test_lines(1)[0])
    parse["tasks"][0]["type"] = "Flying"
    data = _jsonl(tmp_path / "bad.jsonl", [json.dumps(parse)])
    result = tage("train", "--train", data, "--dev", data, "--epochs", "1", "--out", tmp_path / "ckpt", cwd=tmp_path)
    _assert_clean_failure(result, f"{data}: labels outside the tagE vocabulary", "Flying")


def test_a_bug_is_not_passed_off_as_bad_input(monkeypatch):
    from agent.api import Agent
    from agent.cli import main

    def broken(self, instruction):
        return max([])  # the kind of programming error a decoder once had at its argument limit

    monkeypatch.setattr(Agent, "parse", broken)
    with pytest.raises(ValueError, match="empty"):
        main(["parse", "pick up the box", "--backend", "rules"])


def test_the_runtime_option_chooses_the_encoder_and_refuses_unknown_ones(tmp_path):
    cache = {"TAGE_CACHE_DIR": str(tmp_path / "cache")}
    result = tage("parse", "pick up the box from the couch", "--runtime", "onnx-int8", "--json", cwd=tmp_path,
                  env=cache)
    assert result.returncode == 0, result.stderr
    assert [t["type"] for t in json.loads(result.stdout)["tasks"]] == ["Picking"]
    assert list((tmp_path / "cache" / "onnx").glob("encoder-int8-*.onnx")), "the int8 encoder was not the one run"
    _assert_clean_failure(tage("parse", "pick up the box", "--runtime", "gpu", cwd=tmp_path), "'gpu' is not one of")


def test_ground_reads_a_robot_map_where_a_scene_goes(tmp_path):
    thor = ROOT / "data" / "scenes" / "ai2thor" / "FloorPlan6_kitchen_objects.json"
    plain = tmp_path / "map.json"
    plain.write_text('[{"class": "Mug", "position": [1, 1, 0.9]}]', encoding="utf-8")
    for scene, what, node in ((thor, "apple", "apple_1"), (plain, "mug", "cup_1")):
        run = tage("ground", f"bring me the {what}", "--scene", scene, "--json", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert "read as a robot map, not a scene" in run.stderr and f'"node": "{node}"' in run.stdout


@pytest.mark.parametrize("command", [["parse"], ["ground", "--scene", str(ROOT / "data" / "scenes" / "kitchen.yaml")]])
def test_an_argument_that_is_not_utf8_exits_2(tmp_path, command):
    # bytes that are not UTF-8 reach Python as lone surrogates (surrogateescape): no model or output can take them
    result = subprocess.run([*TAGE, *command[:1], b"pick up \xff the box", *command[1:]], cwd=tmp_path,
                            capture_output=True, timeout=120)
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and "Traceback" not in err and "half of a UTF-16 surrogate pair" in err


def test_ground_with_no_task_found_says_so_and_exits_1(tmp_path):
    result = tage("ground", "what a lovely day", "--scene", ROOT / "data" / "scenes" / "kitchen.yaml", "--backend",
                  "rules", "--json", cwd=tmp_path)
    assert result.returncode == 1 and json.loads(result.stdout)["tasks"] == []
    assert "no task found in 'what a lovely day'" in result.stderr and "Traceback" not in result.stderr


def test_an_instruction_over_the_length_limit_exits_2_at_once(tmp_path):
    result = tage("ground", "bring me the red mug and " * 4_000, "--scene", "data/scenes/apartment.yaml",
                  cwd=Path(__file__).resolve().parents[2])
    _assert_clean_failure(result, "100,000 characters long, over the limit of 10,000")
