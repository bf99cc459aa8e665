from pathlib import Path

import pytest

from agent import Session
from grounding import GroundingError, SceneGraph

KITCHEN = Path(__file__).resolve().parents[2] / "data" / "scenes" / "kitchen.yaml"


@pytest.fixture()
def session(shipped_agent) -> Session:
    return shipped_agent.session(KITCHEN)


def test_a_pronoun_of_a_later_turn_refers_to_the_answered_mug(session):
    assert session.ground("take the mug").clarifications
    assert session.answer("the blue one").complete
    put = session.ground("now put it on the table")
    assert put.complete and put.tasks[0].parameters == {"object": "mug_2", "target": "table_1"}
    bring = session.ground("then bring it to me")  # "it" of the previous turn was itself a pronoun
    assert bring.complete and bring.tasks[0].parameters["object"] == "mug_2"


def test_there_refers_to_where_the_earlier_object_is(session):
    session.ground("take the apple from the fridge")
    put = session.ground("put it there")
    assert put.tasks[0].parameters == {"object": "apple_1", "target": "fridge_1"}


def test_an_instruction_without_pronoun_is_parsed_alone(shipped_agent, session):
    session.ground("take the blue mug")
    assert session.ground("open the fridge") == shipped_agent.ground("open the fridge", session.scene).model_copy(
        update={"timing_ms": session.last.timing_ms})


def test_the_scene_can_be_replaced_by_a_new_state(session):
    data = SceneGraph.load(KITCHEN).to_dict()
    data["objects"] = [o for o in data["objects"] if o["id"] != "mug_2"]
    data["relations"] = [r for r in data["relations"] if "mug_2" not in (r["subject"], r["object"])]
    session.scene = SceneGraph.from_dict(data)
    assert session.ground("take the blue mug").errors  # the blue mug is gone from the new state
    with pytest.raises(TypeError, match="SceneGraph"):
        session.scene = "kitchen.yaml"


def test_answering_before_asking_is_refused(session):
    with pytest.raises(GroundingError, match="asked nothing yet"):
        session.answer("the red one")


@pytest.mark.parametrize("turns", [("open the microwave", "pick it up"), ("go to the fridge", "pick it up")])
def test_a_pronoun_of_an_earlier_turn_must_fit_the_skill_too(session, turns):
    session.ground(turns[0])
    result = session.ground(turns[1])
    assert not result.plan and result.tasks[0].status == "failed"
    assert [e.code for e in result.errors] == ["affordance_violation"]
    assert "cannot fill 'object': it is not pickable" in result.errors[0].message


def test_a_pronoun_after_an_unanswered_question_says_to_answer_it(session):
    assert session.ground("take the mug").clarifications
    result = session.ground("now put it in the sink")
    unresolved = [e for e in result.errors if e.code == "unresolved_reference"]
    assert unresolved and "the question of the previous instruction ('Which mug" in unresolved[0].message
    assert session.answer("the blue one").complete      # the advice can be followed: the question is still open
    assert session.ground("now put it in the sink").tasks[0].parameters["object"] == "mug_2"


TWO_CUPS = {"rooms": [{"id": "k"}], "agent": {"room": "k"}, "objects": [
    {"id": "table_1", "class": "table", "room": "k", "affordances": ["receptacle"]},
    {"id": "cup_red", "class": "cup", "room": "k", "attributes": {"color": "red"}, "affordances": ["pickable"]},
    {"id": "cup_blue", "class": "cup", "room": "k", "attributes": {"color": "blue"}, "affordances": ["pickable"]}]}


def test_the_other_one_of_a_later_turn_is_not_the_one_bound_before(shipped_agent):
    session = shipped_agent.session(SceneGraph.from_dict(TWO_CUPS))
    assert session.ground("put the red cup on the table").complete
    other = session.ground("now bring me the other cup")
    assert other.complete and other.tasks[0].parameters["object"] == "cup_blue"
    assert shipped_agent.ground("bring me the other cup", SceneGraph.from_dict(TWO_CUPS)).clarifications  # alone
