from pathlib import Path

from agent.rebind import rebind
from decoding.tage_format import read_row
from grounding import SceneGraph

KITCHEN = Path(__file__).resolve().parents[2] / "data" / "scenes" / "kitchen.yaml"


def test_a_picked_node_settles_the_question_and_the_task_is_planned(shipped_agent):
    scene = SceneGraph.load(KITCHEN)
    parse, _ = read_row("take the mug", "0 0 Picking ; 2 2 Theme", "picking : take , theme : mug :cup")
    result = shipped_agent.ground_parse(parse, scene)
    assert result.tasks[0].status == "needs_clarification" and not result.plan
    done = rebind(result, {(0, 0): "mug_3"}, scene, shipped_agent.library)
    assert done.tasks[0].status == "grounded" and done.tasks[0].bindings[0].node == "mug_3"
    assert not done.clarifications and [s.skill for s in done.plan] == ["navigate", "pick"]
    assert "rebind" in done.timing_ms and result.tasks[0].status == "needs_clarification"  # the input is unchanged


def test_a_picked_unresolved_pronoun_loses_its_error(shipped_agent):
    scene = SceneGraph.load(KITCHEN)
    parse, _ = read_row("take it", "0 0 Picking ; 1 1 Theme", "picking : take , theme : it :unk")
    result = shipped_agent.ground_parse(parse, scene)
    assert result.errors[0].code == "unresolved_reference" and result.tasks[0].status == "failed"
    done = rebind(result, {(0, 0): "apple_2"}, scene, shipped_agent.library)
    assert done.complete and done.tasks[0].parameters == {"object": "apple_2"}
