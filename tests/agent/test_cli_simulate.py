"""`tage simulate` through the console script: a session with --json, --out and --plot; exit codes 1 and 2."""

import json

import pytest
import yaml

from grounding import SceneGraph

from .test_cli import ROOT, _assert_clean_failure, tage

APARTMENT = ROOT / "data" / "scenes" / "apartment.yaml"
KITCHEN = ROOT / "data" / "scenes" / "kitchen.yaml"


def _saved_plan(tmp_path, steps, tasks=()):
    parse = {"instruction": "x", "tokens": ["x"]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps({"instruction": "x", "parse": parse, "tasks": list(tasks), "plan": steps}))
    return path


def test_session_with_json_out_and_plot(tmp_path):
    result = tage("simulate", "--scene", APARTMENT, "turn on the tv", "open the fridge", "--json",
                  "--out", tmp_path / "final.yaml", "--plot", tmp_path / "plots", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["success"] and [t["success"] for t in report["turns"]] == [True, True]
    final = SceneGraph.load(tmp_path / "final.yaml")
    assert final["tv_l"].states["on"] is True and final["fridge_k"].states["open"] is True
    assert sorted(p.name for p in (tmp_path / "plots").iterdir()) == ["turn_01.png", "turn_02.png"]


def test_a_reply_answers_the_question_of_the_instruction_before(tmp_path):
    result = tage("simulate", "--scene", APARTMENT, "bring me the mug", "the white one", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Reply 2: the white one (answers: bring me the mug)" in result.stdout
    assert "handover  object=mug_white" in result.stdout


def test_a_reply_fitting_no_candidate_is_asked_again_and_the_session_goes_on(tmp_path):
    result = tage("simulate", "--scene", APARTMENT, "bring me the mug", "the purple one", "turn on the tv",
                  cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr   # a failed turn, not bad input
    assert "Reply 2: the purple one (does not answer: bring me the mug)" in result.stdout
    assert "reply_unmatched: the reply 'the purple one' fits none of the candidates" in result.stdout
    assert "Instruction 3: turn on the tv" in result.stdout and "FAILED: 1 of 2" in result.stdout


def test_a_pronoun_refers_to_what_an_earlier_instruction_named(tmp_path):
    result = tage("simulate", "--scene", KITCHEN, "take the blue mug", "now put it on the table", "--json",
                  cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    turns = json.loads(result.stdout)["turns"]
    assert [s["args"] for s in turns[1]["run"]["steps"] if s["skill"] == "place"] == [{"object": "mug_2",
                                                                                        "target": "table_1"}]


def test_a_saved_ground_result_runs_as_a_plan(tmp_path):
    # a binding of a role no parameter takes (Containing_object) is written without `parameter`: it reads back
    grounded = tage("ground", "put the red mug in the fridge", "--scene", APARTMENT, "--json", cwd=tmp_path)
    assert grounded.returncode == 0, grounded.stdout + grounded.stderr
    saved = json.loads(grounded.stdout)
    assert any("parameter" not in b for t in saved["tasks"] for b in t["bindings"])
    (tmp_path / "result.json").write_text(grounded.stdout)
    result = tage("simulate", "--scene", APARTMENT, "--plan", tmp_path / "result.json", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["success"]


def test_a_failed_step_exits_1_with_the_trace(tmp_path):
    plan = _saved_plan(tmp_path, [{"skill": "pick", "args": {"object": "mug_red"}, "from_task": 0}])
    result = tage("simulate", "--scene", APARTMENT, "--plan", plan, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert "FAILED: step 1 pick(mug_red): near(mug_red) does not hold (the robot is at hallway)" in result.stdout


@pytest.mark.parametrize("case, fragments", [
    ("empty instruction", ["instruction 2 of 2 is empty"]),
    ("no instruction", ["no instruction to simulate"]),
    ("unknown node", ["plan.json on ", "apartment.yaml: plan step 1 (navigate): destination = 'garage' is not a node "
                      "of scene 'apartment'"]),
    ("unknown skill", ["plan step 1 (teleport): unknown skill 'teleport'"]),
    ("bad scene", ["scene.yaml", "unknown room 'attic'"]),
    ("plan and instructions", ["give instructions or --plan, not both"]),
    ("nan", ["--grasp-failure", "not a number (nan)"]),
    ("missing ghost", ["--missing", "'ghost_9': not a node of"]),
    ("out in no folder", ["--out", "no folder", "to write the final scene in"]),
])
def test_bad_input_exits_2_with_a_message(tmp_path, case, fragments):
    scene, args = APARTMENT, []
    if case == "empty instruction":
        args = ["turn on the tv", " "]
    elif case in ("unknown node", "unknown skill", "plan and instructions"):
        skill, arg = ("navigate", "garage") if case != "unknown skill" else ("teleport", "kitchen")
        args = ["--plan", _saved_plan(tmp_path, [{"skill": skill, "args": {"destination": arg}, "from_task": 0}])]
        args += ["turn on the tv"] if case == "plan and instructions" else []
    elif case == "nan":
        args = ["turn on the tv", "--grasp-failure", "nan"]
    elif case == "missing ghost":
        args = ["turn on the tv", "--missing", "ghost_9"]
    elif case == "out in no folder":
        args = ["turn on the tv", "--out", tmp_path / "nowhere" / "final.yaml"]
    elif case == "bad scene":
        scene = tmp_path / "scene.yaml"
        scene.write_text(yaml.safe_dump({"rooms": [{"id": "k"}], "agent": {"room": "attic"}}))
        args = ["turn on the tv"]
    _assert_clean_failure(tage("simulate", "--scene", scene, *args, cwd=tmp_path), *fragments)
