"""`tage eval --report` / `--plots` and `--compare`: the JSON report, its figures, and the difference of two."""

import json
from pathlib import Path

import pytest

from agent.eval_compare import compare, flatten
from agent.eval_report import NONE, build_report, calibration, confusion
from decoding.files import read_parses
from tests.agent.test_cli import tage

TEST = Path(__file__).resolve().parents[2] / "data" / "tage" / "test.jsonl"


@pytest.fixture(scope="module")
def gold():
    return read_parses(TEST)[:40]


def _retyped(parse, kind):
    return parse.model_copy(update={"tasks": tuple(t.model_copy(update={"type": kind}) for t in parse.tasks)})


def _scored(parse, score):
    return parse.model_copy(update={"tasks": tuple(
        t.model_copy(update={"score": score, "arguments": tuple(a.model_copy(update={"score": score})
                                                              for a in t.arguments)}) for t in parse.tasks)})


def test_confusion_pairs_tasks_by_trigger(gold):
    first = gold[0]  # one Picking task
    matrix = confusion([first, first], [_retyped(first, "Placing"), first.model_copy(update={"tasks": ()})])
    assert matrix["labels"] == ["Picking", "Placing", NONE]
    assert matrix["matrix"] == [[0, 1, 1], [0, 0, 0], [0, 0, 0]]


def test_calibration_skips_parses_without_scores_and_bins_the_others(gold):
    assert calibration(gold, gold) == {"tasks": {"skipped": "the parses carry no scores"},
                                       "arguments": {"skipped": "the parses carry no scores"}}
    wrong = [_scored(_retyped(p, "Unknown"), 0.95) for p in gold]  # every task wrong, every score 0.95
    figures = calibration(gold, wrong)["tasks"]
    assert figures["accuracy"] == 0.0 and figures["ece"] == pytest.approx(0.95)
    assert [b["n"] for b in figures["bins"]][-1] == figures["n"]


def test_report_has_every_part(gold):
    report = build_report({"arg_f1": 1.0}, gold, gold, [1.0, 2.0, 3.0])
    assert set(report) == {"summary", "task_types", "roles", "confusion", "calibration", "latency_ms"}
    assert all(v["f1"] == 1.0 for v in report["roles"].values())
    assert report["latency_ms"]["p50"] == 2.0


def test_compare_says_what_got_better_and_worse():
    a = {"summary": {"arg_f1": 0.8}, "calibration": {"tasks": {"ece": 0.10}}, "latency_ms": {"p50": 10.0}}
    b = {"summary": {"arg_f1": 0.7}, "calibration": {"tasks": {"ece": 0.05}}, "latency_ms": {"p50": 12.0}}
    diff = compare(a, b)
    assert [name for name, *_ in diff["better"]] == ["calibration.tasks.ece"]
    assert [name for name, *_ in diff["worse"]] == ["latency_ms.p50", "arg_f1"]
    assert flatten({"n": 5, "arg_f1": 0.5}) == {"arg_f1": 0.5}


def test_cli_report_plots_alias_and_compare(tmp_path, gold):
    data = tmp_path / "gold.jsonl"
    data.write_text("".join(p.model_dump_json(exclude_none=True) + "\n" for p in gold))
    result = tage("eval", "--data", data, "--predictions", data, "--plots", "rep", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        "confusion_task_types.png", "prf_roles.png", "prf_task_types.png", "report.json"]
    report = json.loads((tmp_path / "rep" / "report.json").read_text())
    report["summary"]["arg_f1"] = 0.5
    (tmp_path / "worse.json").write_text(json.dumps(report))
    result = tage("eval", "--compare", "rep/report.json", "worse.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "worse (1):\n  arg_f1" in result.stdout and "better (0):" in result.stdout
