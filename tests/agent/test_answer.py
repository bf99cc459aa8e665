from pathlib import Path

import pytest

from agent.answer import answer_clarification, fitting_candidates
from grounding import Clarification, GroundingError, SceneGraph

KITCHEN = Path(__file__).resolve().parents[2] / "data" / "scenes" / "kitchen.yaml"
MUGS = ("mug_1", "mug_2", "mug_3")  # red small on the table, blue small in the sink, red large on the counter


@pytest.fixture(scope="module")
def kitchen():
    return SceneGraph.load(KITCHEN)


@pytest.fixture(scope="module")
def asked(shipped_agent, kitchen):
    result = shipped_agent.ground("bring me the mug", kitchen)
    assert result.clarifications[0].candidates == MUGS
    return result


@pytest.mark.parametrize("reply, fits", [
    ("the blue one", ("mug_2",)),
    ("blue", ("mug_2",)),
    ("the red one", ("mug_1", "mug_3")),
    ("the one in the sink", ("mug_2",)),
    ("in the sink", ("mug_2",)),                # a bare place, as a reply to "the one in the sink or ...?"
    ("on the counter", ("mug_3",)),
    ("the red one on the counter", ("mug_3",)),
    ("the big one", ("mug_3",)),
    ("the second one", ("mug_2",)),
    ("the last", ("mug_3",)),
    ("mug_1", ("mug_1",)),
    ("mug 3", ("mug_3",)),                      # an id said as words
    ("not the blue one", ("mug_1", "mug_3")),  # a negation rules out what it describes
    ("the one that is not blue", ("mug_1", "mug_3")),
    ("not blue, the big one", ("mug_3",)),
    ("no, the blue one", ("mug_2",)),          # "no" before an answer is no negation of it
    ("the red one, not the one on the counter", ("mug_1",)),
    ("not the one in the sink but the small one", ("mug_1",)),
])
def test_a_reply_fits_the_candidates_it_describes(kitchen, reply, fits):
    question = Clarification(task=0, role="Theme", span="mug", question="Which mug?", candidates=MUGS)
    assert fitting_candidates(question, reply, kitchen) == fits


def test_a_reply_that_fits_nothing_says_so(kitchen):
    question = Clarification(task=0, role="Theme", span="mug", question="Which mug?", candidates=MUGS)
    with pytest.raises(GroundingError, match="'the green one' fits none of the candidates"):
        fitting_candidates(question, "the green one", kitchen)


def test_answering_binds_the_node_and_plans(shipped_agent, asked, kitchen):
    done = answer_clarification(asked, kitchen, shipped_agent.library, "the one in the sink")
    assert done.complete and done.tasks[0].status == "grounded"
    assert done.tasks[0].parameters["object"] == "mug_2"
    assert [s.skill for s in done.plan] == ["navigate", "pick", "navigate", "handover"]


def test_a_reply_fitting_two_asks_again_about_those(shipped_agent, asked, kitchen):
    narrowed = answer_clarification(asked, kitchen, shipped_agent.library, "the red one")
    (question,) = narrowed.clarifications
    assert question.candidates == ("mug_1", "mug_3") and "small" in question.question
    assert narrowed.tasks[0].bindings[1].candidates == ("mug_1", "mug_3")
    assert answer_clarification(narrowed, kitchen, shipped_agent.library, "the small one").complete


def test_a_pronoun_referring_to_the_answered_mention_is_bound_too(shipped_agent, kitchen):
    result = shipped_agent.ground("take the mug and put it in the sink", kitchen)
    done = answer_clarification(result, kitchen, shipped_agent.library, node="mug_1")
    assert [t.parameters.get("object") for t in done.tasks] == ["mug_1", "mug_1"] and done.complete


@pytest.mark.parametrize("reply, node, problem", [
    (None, None, "either words"), ("red", "mug_1", "either words"), (None, "sink_1", "not a candidate")])
def test_bad_answers_are_refused(shipped_agent, asked, kitchen, reply, node, problem):
    with pytest.raises(GroundingError, match=problem):
        answer_clarification(asked, kitchen, shipped_agent.library, reply, node)


def test_a_result_without_question_cannot_be_answered(shipped_agent, kitchen):
    result = shipped_agent.ground("open the fridge", kitchen)
    with pytest.raises(GroundingError, match="asks no question"):
        answer_clarification(result, kitchen, shipped_agent.library, "the red one")


@pytest.fixture(scope="module")
def unsure(shipped_agent, kitchen):
    """"take the blue mug" with the extractor unsure of its Theme: the grounder asks to confirm mug_2."""
    from decoding.tage_format import read_row
    from grounding import ground_parse

    parse, _ = read_row("take the blue mug", "0 0 Picking ; 2 3 Theme", "picking : take , theme : blue mug :cup")
    task = parse.tasks[0]
    task = task.model_copy(update={"arguments": (task.arguments[0].model_copy(update={"score": 0.2}),)})
    result = ground_parse(parse.model_copy(update={"tasks": (task,)}), kitchen, shipped_agent.library, ask_below=0.5)
    assert result.clarifications[0].candidates == ("mug_2",) and result.tasks[0].status == "needs_clarification"
    return result


def test_a_confirmation_is_answered_by_yes(shipped_agent, unsure, kitchen):
    done = answer_clarification(unsure, kitchen, shipped_agent.library, "yes, that one")
    assert done.complete and done.tasks[0].parameters == {"object": "mug_2"}


def test_a_no_to_a_confirmation_asks_for_the_right_one(shipped_agent, unsure, kitchen):
    with pytest.raises(GroundingError, match="declines 'mug_2'"):
        answer_clarification(unsure, kitchen, shipped_agent.library, "no")


# -- a result is client input: checked against the scene and library it is answered in (probe D3, D4, D10) ----------
def _without(scene: SceneGraph, node: str) -> SceneGraph:
    data = scene.to_dict()
    data["objects"] = [o for o in data["objects"] if o["id"] != node]
    data["relations"] = [r for r in data["relations"] if node not in (r["subject"], r["object"])]
    return SceneGraph.from_dict(data)


def test_an_answer_in_a_scene_without_the_node_names_it(shipped_agent, asked, kitchen):
    with pytest.raises(GroundingError, match="'mug_1' is not a node of the scene given"):
        answer_clarification(asked, _without(kitchen, "mug_1"), shipped_agent.library, node="mug_1")


@pytest.mark.parametrize("change, problem", [
    (lambda r: _task(r, skill="teleport"), "unknown skill 'teleport'"),
    (lambda r: _task(r, parameters={"goal": "ghost"}), "'ghost' is not a node of the scene given"),
    (lambda r: _task(r, parameters={"colour": "red"}), "skill 'bring' has no parameter 'colour'"),
    (lambda r: r.model_copy(update={"clarifications": (r.clarifications[0].model_copy(update={"task": 7}),)}),
     "is about task 7, and the result has 1"),
    (lambda r: r.model_copy(update={"clarifications": (r.clarifications[0].model_copy(update={"role": "Goal"}),)}),
     "is about Goal of task 0, which has no argument left open"),
])
def test_a_tampered_result_is_refused(shipped_agent, asked, kitchen, change, problem):
    with pytest.raises(GroundingError, match=problem):
        answer_clarification(change(asked), kitchen, shipped_agent.library, node="mug_1")


def _task(result, **update):
    return result.model_copy(update={"tasks": (result.tasks[0].model_copy(update=update),)})


def test_a_chosen_node_that_cannot_fill_its_parameter_is_an_error(shipped_agent, asked, kitchen):
    data = kitchen.to_dict()
    for o in data["objects"]:
        if o["id"] == "mug_1":
            o["affordances"] = []
    done = answer_clarification(asked, SceneGraph.from_dict(data), shipped_agent.library, node="mug_1")
    assert not done.plan and done.tasks[0].status == "failed"
    assert [(e.code, e.role) for e in done.errors] == [("affordance_violation", "Theme")]
    assert "cannot fill 'object': it is not pickable" in done.errors[0].message


@pytest.mark.parametrize("reply, problem", [("", "says nothing"), ("   ", "says nothing"),
                                            ("the mug", "fits every candidate"), ("no", "fits every candidate"),
                                            ("not that one", "fits every candidate")])
def test_a_reply_that_does_not_choose_is_refused(shipped_agent, asked, kitchen, reply, problem):
    with pytest.raises(GroundingError, match=problem):
        answer_clarification(asked, kitchen, shipped_agent.library, reply)


def test_a_landmark_chosen_for_next_to_needs_no_affordance(shipped_agent, kitchen):
    from decoding.tage_format import read_row

    parse, _ = read_row("put the red mug next to the chair", "0 0 Placing ; 2 3 Theme ; 7 7 Goal",
                        "placing : put , theme : red mug :cup , goal : chair :chair")
    result = shipped_agent.ground_parse(parse, kitchen)
    while result.clarifications:
        last = result.clarifications[0].candidates[-1]
        result = answer_clarification(result, kitchen, shipped_agent.library, node=last)
    assert result.complete and result.tasks[0].parameters["target"].startswith("chair"), result


def test_a_result_with_spans_outside_its_words_or_tasks_out_of_order_is_refused(shipped_agent, asked, kitchen):
    span = asked.tasks[0].bindings[1].span.model_copy(update={"start": 40, "end": 40})
    bindings = (asked.tasks[0].bindings[0], asked.tasks[0].bindings[1].model_copy(update={"span": span}))
    with pytest.raises(GroundingError, match="words 40-40 are not words of the instruction"):
        answer_clarification(_task(asked, bindings=bindings), kitchen, shipped_agent.library, node="mug_1")
    with pytest.raises(GroundingError, match="task 5 is number 0"):
        answer_clarification(_task(asked, task=5), kitchen, shipped_agent.library, node="mug_1")
