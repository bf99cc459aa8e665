"""The shipped case set: its coverage, that it is built from its source, and the goals of issue 5."""

import importlib.util
import json

import pytest

from decoding.parse import Parse
from grounding import evaluate_cases
from grounding.evaluate import plan_strings

from .conftest import ROOT

CASES = ROOT / "data" / "grounding" / "cases.jsonl"


@pytest.fixture(scope="module")
def rows():
    return [json.loads(line) for line in CASES.read_text().splitlines() if line.strip()]


def test_case_set_coverage(rows):
    assert len(rows) >= 150
    assert sum(bool(r["expected"]["clarifications"]) for r in rows) >= 30
    assert sum("absent" in r["phenomena"] for r in rows) >= 20
    phenomena = {p for r in rows for p in r["phenomena"]}
    assert {"class", "synonyms", "attributes", "relations", "rooms", "coreference", "implicit_recipient",
            "affordance", "clarification", "absent", "duplicates"} <= phenomena
    scenes = {r["scene"] for r in rows}  # the demo scenes, and converted AI2-THOR plans for the importer's mapping
    assert {"apartment", "kitchen", "office"} <= scenes
    assert all((ROOT / "data" / "scenes" / f"{s}.yaml").is_file() for s in scenes)
    for r in rows:
        Parse.model_validate(r["parse"])


def test_jsonl_is_built_from_the_yaml_source(rows):
    spec = importlib.util.spec_from_file_location("build_cases", ROOT / "data" / "grounding" / "build_cases.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    import yaml
    source = yaml.safe_load((ROOT / "data" / "grounding" / "cases.yaml").read_text())
    assert [build.build(case) for case in source] == rows


def test_goals_from_gold_parses(default_library):
    report = evaluate_cases(CASES, default_library)
    assert report["n"] >= 150 and report["source"] == "gold"
    assert report["grounding_accuracy"] >= 0.95, report["failures"]
    assert report["clarification_precision"] >= 0.90, report["failures"]
    assert report["clarification_recall"] >= 0.90, report["failures"]


def test_parser_hook_is_used(default_library, rows):
    gold = {r["instruction"]: Parse.model_validate(r["parse"]) for r in rows}
    seen = []

    def parser(text):
        seen.append(text)
        return gold[text]
    report = evaluate_cases(CASES, default_library, parser=parser)
    assert report["source"] == "parser" and len(seen) == len(rows)

    def nothing(text):
        return Parse(instruction=text, tokens=tuple(text.split()))
    assert evaluate_cases(CASES, default_library, parser=nothing)["grounding_accuracy"] < 0.2


def test_plan_strings(default_library, apartment):
    from grounding.result import PlanStep
    step = PlanStep(skill="handover", args={"recipient": "user", "object": "mug_red"}, from_task=0)
    assert plan_strings([step], default_library) == ["handover mug_red user"]


def test_plan_success_from_gold_parses_meets_issue_12(default_library):
    from grounding.evaluate import simulate_cases

    report = simulate_cases(CASES, default_library)
    assert report["scored"] >= 150 and report["plan_success"] >= 0.95, report["failures"]


def test_plan_success_counts_causes(default_library):
    from grounding.evaluate import simulate_cases

    gold = {json.loads(line)["instruction"]: json.loads(line)["parse"] for line in CASES.read_text().splitlines()}
    empty = simulate_cases(CASES, default_library, parser=lambda text: Parse(instruction=text, tokens=(text,)))
    assert empty["plan_success"] == 0.0 and empty["causes"] == {"tasks_differ": empty["scored"]}
    apt_001 = Parse.model_validate(gold["go to the kitchen , take the red mug next to the sink and bring it to me"])
    shifted = simulate_cases(CASES, default_library, parser=lambda text: apt_001)  # every case read as apt-001
    assert 0.0 < shifted["plan_success"] < 0.5 and "tasks_differ" in shifted["causes"]


def _case(case_id: str, parse, expected: dict) -> dict:
    return {"id": case_id, "scene": "five", "instruction": parse.instruction, "parse": parse.model_dump(),
            "expected": {"bindings": [], "clarifications": [], "errors": [], "plan": None} | expected}


@pytest.fixture
def case_file(tmp_path, scene_data):
    from .conftest import write_yaml
    (tmp_path / "scenes").mkdir()
    write_yaml(tmp_path / "scenes" / "five.yaml", scene_data)
    (tmp_path / "grounding").mkdir()

    def write(*cases):
        path = tmp_path / "grounding" / "cases.jsonl"
        path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
        return path
    return write


def test_a_null_counts_only_with_the_expected_question_or_error(case_file, library):
    from .conftest import parse_of
    mug = parse_of("pick up the mug", "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : mug :cup")
    null = {"task": 0, "role": "Theme", "nth": 1, "node": None}
    asked = {"task": 0, "role": "Theme", "nth": 1, "candidates": ["mug_1", "mug_2"]}
    path = case_file(
        _case("asks", mug, {"bindings": [null], "clarifications": [asked]}),                        # right
        _case("not-an-error", mug, {"bindings": [null], "errors": [{**null, "code": "object_not_found"}]}),
        _case("null-alone", mug, {"bindings": [null]}))                                              # not scored
    report = evaluate_cases(path, library)
    assert report["counts"]["args"] == 2 and report["counts"]["null_unscored"] == 1
    assert report["grounding_accuracy"] == 0.5 and report["per_role"] == {"Theme": {"n": 2, "accuracy": 0.5}}
    assert report["per_error_code"]["object_not_found"] == {"gold": 1, "reported": 0, "precision": None,
                                                             "recall": 0.0}
    assert report["plan_exact_match"] is None  # no case states a plan: n/a, not 1.0


def test_split_is_deterministic_and_a_third_dev(rows):
    from grounding.evaluate import case_split
    parts = [case_split(r["id"]) for r in rows]
    assert parts == [case_split(r["id"]) for r in reversed(rows)][::-1]
    assert 0.25 < parts.count("dev") / len(parts) < 0.42
