"""The simulator: step changes, failing steps, goals, faults, carried-over state, and plans it refuses."""

import re

import pytest

from grounding import Faults, SceneGraph, SimulationError, Simulator, ground_parse, simulate
from grounding.result import PlanStep

from .conftest import parse_of


def step(skill, task=0, **args):
    return PlanStep(skill=skill, args=args, from_task=task)


def ground(scene, library, text, spans, texts):
    return ground_parse(parse_of(text, spans, texts), scene, library)


def test_each_step_reports_its_change(kitchen, default_library):
    result = ground(kitchen, default_library, "take the potato", "0 0 Picking ; 2 2 Theme",
                    "picking : take , theme : potato :potato")
    run = simulate(result, kitchen, default_library)
    assert run.success and [s.skill for s in run.steps] == ["navigate", "open", "pick"]
    opened = {(c.node, c.field): (c.before, c.after) for c in run.steps[1].changes}
    container = run.steps[1].args["container"]
    assert opened == {(container, "open"): (False, True)}
    picked = {(c.node, c.field): (c.before, c.after) for c in run.steps[2].changes}
    assert picked[("potato_1", "location")] == (f"in {container}", "held")
    assert picked[("robot", "holding")] == (None, "potato_1")


def test_failing_step_names_step_precondition_and_state(scene, library):
    run = Simulator(scene, library).execute([step("navigate", destination="table_1"), step("pick", object="apple_1")])
    failure = run.failure
    assert not run.success and len(run.steps) == 2 and run.steps[0].failure is None
    assert (failure.step, failure.skill, failure.code, failure.literal) == (2, "pick", "precondition_failed",
                                                                            "near(apple_1)")
    assert failure.state == {"robot_at": "table_1", "room": "kitchen", "holding": None}
    assert "step 2 pick(apple_1): near(apple_1) does not hold (the robot is at table_1)" == failure.message


def test_a_run_stops_at_the_failed_step(scene, library):
    plan = [step("pick", object="mug_1"), step("navigate", destination="table_1")]
    run = Simulator(scene, library).execute(plan)
    assert len(run.steps) == 1 and run.failure.step == 1


@pytest.mark.parametrize("bad, problem", [
    (step("fly", destination="kitchen"), "plan step 2 (fly): unknown skill 'fly'"),
    (step("navigate", destination="garage"), "destination = 'garage' is not a node of the scene"),  # unnamed
    (step("navigate", target="kitchen"), "'navigate' has no parameter 'target'"),
    (step("pick"), "required parameter 'object' has no argument"),
    (step("bring", object="mug_1"), "'bring' is composite"),
])
def test_bad_plans_raise_before_anything_runs(scene, library, bad, problem):
    sim = Simulator(scene, library)
    with pytest.raises(SimulationError, match=re.escape(problem)):
        sim.execute([step("navigate", destination="table_1"), bad])
    assert sim.state.at == "hall"


def test_goals_per_task(apartment, default_library):
    result = ground(apartment, default_library, "put the remote on the coffee table and open the fridge",
                    "0 0 Placing ; 2 2 Theme ; 5 6 Goal | 8 8 Opening ; 10 10 Theme",
                    "placing : put , theme : remote :remote_control , goal : coffee table :table ; "
                    "opening : open , theme : fridge :fridge")
    run = simulate(result, apartment, default_library)
    assert [(g.skill, g.goals, g.status) for g in run.goals] == [
        ("place", ("with(remote_l, coffee_table)",), "holds"), ("open", ("opened(fridge_k)",), "holds")]


def test_unplanned_and_unreached_goals(kitchen, default_library):
    ask = ground(kitchen, default_library, "take the mug", "0 0 Picking ; 2 2 Theme",
                 "picking : take , theme : mug :cup")
    assert ask.clarifications
    (goal,) = simulate(ask, kitchen, default_library).goals
    assert (goal.status, goal.reason, goal.ok) == ("not_planned", "needs_clarification", False)
    result = ground(kitchen, default_library, "take the potato", "0 0 Picking ; 2 2 Theme",
                    "picking : take , theme : potato :potato")
    run = simulate(result, kitchen, default_library, faults=Faults(grasp_failure=1.0))
    assert run.failure.code == "grasp_failed" and run.goals[0].status == "not_reached"


def test_faults_are_seeded_and_missing_objects_fail_on_arrival(scene, library):
    plan = [step("navigate", destination="table_1"), step("pick", object="mug_1")]
    outcomes = {seed: Simulator(scene, library, faults=Faults(grasp_failure=0.5, seed=seed)).execute(plan).executed
                for seed in range(8)}
    again = {seed: Simulator(scene, library, faults=Faults(grasp_failure=0.5, seed=seed)).execute(plan).executed
             for seed in range(8)}
    assert outcomes == again and set(outcomes.values()) == {True, False}
    run = Simulator(scene, library, faults=Faults(missing={"mug_1"})).execute(plan)
    assert run.steps[0].failure is None and run.failure.code == "object_missing"
    assert run.failure.message == "step 2 pick(mug_1): mug_1 is not at table_1 when the robot arrives"


def test_state_carries_over_and_the_given_scene_is_unchanged(scene, library):
    sim = Simulator(scene, library)
    sim.execute([step("navigate", destination="table_1"), step("pick", object="mug_1")])
    after = sim.scene
    assert after is not scene and after.agent.holding == "mug_1" and after.agent.near == "table_1"
    assert "table_1" not in after.related("mug_1", "on") and scene.related("mug_1", "on") == {"table_1"}
    rebuilt = SceneGraph.from_dict(after.to_dict())
    assert rebuilt.agent.holding == "mug_1" and rebuilt.agent.near == "table_1"
    run = sim.execute([step("navigate", destination="mug_2")])
    assert run.failure is None and sim.state.holding == "mug_1" and sim.state.at == "fridge_1"


def test_placed_and_opened_things_are_in_the_exported_scene(apartment, default_library):
    result = ground(apartment, default_library, "put the remote in the fridge", "0 0 Placing ; 2 2 Theme ; 5 5 Goal",
                    "placing : put , theme : remote :remote_control , goal : fridge :fridge")
    sim = Simulator(apartment, default_library)
    assert sim.run(result).success
    after = SceneGraph.from_dict(sim.scene.to_dict())
    assert after.related("remote_l", "in") == {"fridge_k"} and after["fridge_k"].states["open"] is True
    assert after["remote_l"].room == "kitchen" and after.agent.room == "kitchen"


def test_nothing_is_put_on_itself(kitchen, default_library):
    # a saved plan may say so; the scene it would leave is one the loader refuses
    run = Simulator(kitchen, default_library).execute([step("navigate", destination="potato_1"),
                                                        step("place", object="potato_1", target="potato_1")])
    assert not run.success and run.failure.step == 2
    assert "potato_1 cannot be the target of itself" in run.failure.message
