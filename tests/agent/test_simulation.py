"""Simulated sessions: state carried over between instructions, answers in code, replays, bad input."""

import json

import pytest

from agent.api import Agent
from agent.defaults import load_library
from agent.simulation import check_instructions, format_trace, read_result, replay, simulate_session
from decoding.tage_format import read_row
from grounding import Faults, SceneGraph, SimulationError, ground_parse

from ..grounding.conftest import ROOT

# Gold parses of the instructions of these tests: the session is tested, not the extractor.
GOLD = {
    "turn on the tv": ("0 0 Changing_operational_state ; 1 1 Operational_state ; 3 3 Device",
                       "changing_operational_state : turn , operational_state : on :unk , device : tv :tv"),
    "take the mug": ("0 0 Picking ; 2 2 Theme", "picking : take , theme : mug :cup"),
    "take the red mug": ("0 0 Picking ; 2 3 Theme -2 2 isColour", "picking : take , theme : red mug :cup"),
    "put the red mug on the coffee table": ("0 0 Placing ; 2 3 Theme -2 2 isColour ; 6 7 Goal",
                                            "placing : put , theme : red mug :cup , goal : coffee table :table"),
    "now the other one": ("", ""),   # no task
    "bring me the mug": ("0 0 Bringing ; 1 1 Recipient ; 3 3 Theme",
                         "bringing : bring , recipient : me :person , theme : mug :cup"),
    "not the red one": ("", ""),
    "the green one": ("", ""),
    "the white one": ("", ""),
}


class _GoldParser:
    def parse(self, text):
        return read_row(text, *GOLD[text])[0]


@pytest.fixture(scope="module")
def agent():
    return Agent(_GoldParser(), load_library())


@pytest.fixture(scope="module")
def apartment():
    return SceneGraph.load(ROOT / "data" / "scenes" / "apartment.yaml")


def test_state_carries_over_between_instructions(agent, apartment):
    instructions = ["turn on the tv", "take the mug", "put the red mug on the coffee table"]
    trace = simulate_session(agent, apartment, instructions,
                             answer=lambda result, scene: agent.ground("take the red mug", scene))
    assert trace.success, format_trace(trace)
    assert trace.turns[1].after.agent.holding == "mug_red"
    assert trace.final_scene.related("mug_red", "on") == {"coffee_table"}
    assert trace.final_scene["tv_l"].states["on"] is True and apartment["tv_l"].states["on"] is False
    assert json.loads(json.dumps(trace.to_dict()))["success"] is True


def test_a_question_left_open_fails_the_turn_not_the_session(agent, apartment):
    trace = simulate_session(agent, apartment, ["take the mug", "turn on the tv"])
    assert [t.success for t in trace.turns] == [False, True]
    assert trace.turns[0].run.goals[0].status == "not_planned"
    text = format_trace(trace)
    assert "question (task 0)" in text and "FAILED: 1 of 2" in text


def test_faults_reach_the_run(agent, apartment):
    trace = simulate_session(agent, apartment, ["take the red mug"], faults=Faults(missing={"mug_red"}))
    assert trace.turns[0].run.failure.code == "object_missing" and not trace.success


@pytest.mark.parametrize("instructions, problem", [
    ([], "no instruction"), (["turn on the tv", "  "], "instruction 2 of 2 is empty"), ([""], "instruction 1 of 1"),
])
def test_empty_instructions_are_refused(instructions, problem):
    with pytest.raises(SimulationError, match=problem):
        check_instructions(instructions)


def test_replay_of_a_plan_from_another_scene_is_refused(agent, apartment, tmp_path):
    kitchen, library = SceneGraph.load(ROOT / "data" / "scenes" / "kitchen.yaml"), agent.library
    result = ground_parse(read_row("turn on the tv", *GOLD["turn on the tv"])[0], apartment, library)
    saved = tmp_path / "plan.json"
    saved.write_text(result.model_dump_json(), encoding="utf-8")
    assert replay(read_result(saved), apartment, library).success
    with pytest.raises(SimulationError, match="'tv_l' is not a node of scene 'kitchen'"):
        replay(read_result(saved), kitchen, library)


@pytest.mark.parametrize("text, problem", [("{", "not JSON"), ('{"plan": 3}', "not a grounded result")])
def test_bad_plan_files(tmp_path, text, problem):
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SimulationError, match=problem):
        read_result(path)
    with pytest.raises(SimulationError, match="cannot read"):
        read_result(tmp_path / "absent.json")


def test_a_turn_of_no_task_is_no_success(agent, apartment):
    session = simulate_session(agent, apartment, ["take the red mug", "now the other one"])
    assert [turn.success for turn in session.turns] == [True, False]


def test_a_reply_of_no_task_answers_the_question_of_the_turn_before(agent, apartment):
    trace = simulate_session(agent, apartment, ["bring me the mug", "not the red one"])
    asked, reply = trace.turns
    assert not asked.answers and reply.answers and reply.said == "not the red one"
    assert reply.result.tasks[0].parameters["object"] == "mug_white" and reply.success
    assert trace.success and trace.counted == (reply,)   # the question is settled by its answer
    text = format_trace(trace)
    assert "Reply 2: not the red one (answers: bring me the mug)" in text and "success: 1 of 1" in text
    assert trace.to_dict()["turns"][1]["answers"] is True


def test_a_reply_fitting_no_candidate_runs_nothing_and_leaves_the_question_open(agent, apartment):
    trace = simulate_session(agent, apartment, ["bring me the mug", "the green one"])
    asked, reply = trace.turns
    assert reply.replies and not reply.answers and reply.said == "the green one"
    assert reply.run.steps == () and reply.after is reply.before   # nothing ran
    assert reply.result.clarifications == asked.result.clarifications   # asked again
    error = reply.result.errors[-1]
    assert error.code == "reply_unmatched" and "'the green one' fits none of the candidates" in error.message
    assert not trace.success and trace.counted == (reply,)
    text = format_trace(trace)
    assert "Reply 2: the green one (does not answer: bring me the mug)" in text and "FAILED: 0 of 1" in text


def test_a_later_reply_answers_a_question_left_open(agent, apartment):
    trace = simulate_session(agent, apartment, ["bring me the mug", "the green one", "the white one"])
    *_, answered = trace.turns
    assert answered.answers and answered.result.tasks[0].parameters["object"] == "mug_white"
    assert trace.success and trace.counted == (answered,)
    assert [t["replies"] for t in trace.to_dict()["turns"]] == [False, True, True]
