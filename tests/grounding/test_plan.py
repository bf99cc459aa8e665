"""Plans: composite expansion, inserted steps, skipped steps, state tracking, rejected preconditions."""

import pytest

from grounding import SceneGraph, ground_parse

from .conftest import parse_of


def steps(result):
    return [(s.skill, s.args, s.inserted) for s in result.plan]


def test_inserts_navigation_and_reports_a_closed_container(scene, library):
    parse = parse_of("take the apple", "0 0 Picking ; 2 2 Theme", "picking : take , theme : apple :apple")
    result = ground_parse(parse, scene, library)
    (error,) = result.errors  # the three-skill library has no `open` skill to insert
    assert error.code == "precondition_failed" and "apple_1 is in fridge_1, which is closed" in error.message
    assert result.plan == ()
    parse = parse_of("take the red mug", "0 0 Picking ; 2 3 Theme", "picking : take , theme : red mug :cup")
    assert steps(ground_parse(parse, scene, library)) == [("navigate", {"destination": "table_1"}, True),
                                                         ("pick", {"object": "mug_1"}, False)]


def test_closed_container_is_opened_by_the_default_library(kitchen, default_library):
    parse = parse_of("take the potato", "0 0 Picking ; 2 2 Theme", "picking : take , theme : potato :potato")
    assert [s.skill for s in ground_parse(parse, kitchen, default_library).plan] == ["navigate", "open", "pick"]


def test_composite_expands_and_skips_what_already_holds(scene, library):
    parse = parse_of("take the red mug and bring it", "0 0 Picking ; 2 3 Theme | 5 5 Bringing ; 6 6 Theme",
                     "picking : take , theme : red mug :cup ; bringing : bring , theme : it :cup")
    result = ground_parse(parse, scene, library)
    assert [(s.skill, s.from_task) for s in result.plan] == [("navigate", 0), ("pick", 0), ("navigate", 1)]
    assert result.plan[-1].args == {"destination": "user"}
    assert result.plan[-1].assumes == {"robot_at": "table_1", "room": "kitchen", "holding": "mug_1"}


def test_rejects_a_step_whose_precondition_cannot_hold(scene, library):
    parse = parse_of("take the red mug then take the apple", "0 0 Picking ; 2 3 Theme | 5 5 Picking ; 7 7 Theme",
                     "picking : take , theme : red mug :cup ; picking : take , theme : apple :apple")
    result = ground_parse(parse, scene, library)
    (error,) = result.errors
    assert error.code == "precondition_failed" and error.task == 1
    assert "hand_empty" in error.message and "mug_1" in error.message
    assert [s.skill for s in result.plan] == ["navigate", "pick"]


def test_no_plan_past_an_ungrounded_task(scene, library):
    parse = parse_of("take the mug and go to the kitchen", "0 0 Picking ; 2 2 Theme | 4 4 Motion ; 7 7 Goal",
                     "picking : take , theme : mug :cup ; motion : go , goal : kitchen :kitchen")
    result = ground_parse(parse, scene, library)
    assert result.tasks[1].status == "grounded" and result.plan == ()


def test_step_conditions_choose_handover_or_place(apartment, default_library):
    to_me = parse_of("bring the remote to me", "0 0 Bringing ; 2 2 Theme ; 4 4 Goal",
                     "bringing : bring , theme : remote :remote_control , goal : me :person")
    to_table = parse_of("bring the remote to the coffee table", "0 0 Bringing ; 2 2 Theme ; 5 6 Goal",
                        "bringing : bring , theme : remote :remote_control , goal : coffee table :table")
    assert ground_parse(to_me, apartment, default_library).plan[-1].skill == "handover"
    assert ground_parse(to_table, apartment, default_library).plan[-1].skill == "place"


def test_location_and_room_references_in_steps(scene, skills_data):
    from grounding import SkillLibrary
    skills_data["skills"].append({
        "name": "fetch", "task_types": ["Fetching"],
        "parameters": [{"name": "object", "roles": ["Theme"], "required": True}],
        "steps": [{"skill": "navigate", "args": {"destination": "$object.room"}},
                  {"skill": "navigate", "args": {"destination": "$object.location"}},
                  {"skill": "pick", "args": {"object": "$object"}}]})
    parse = parse_of("fetch the red mug", "0 0 Fetching ; 2 3 Theme", "fetching : fetch , theme : red mug :cup")
    result = ground_parse(parse, scene, SkillLibrary.from_dict(skills_data))
    assert [(s.skill, s.args, s.inserted) for s in result.plan] == [
        ("navigate", {"destination": "kitchen"}, False), ("navigate", {"destination": "table_1"}, False),
        ("pick", {"object": "mug_1"}, False)]


@pytest.fixture
def on_closed(scene_data) -> SceneGraph:
    """The five-object scene with a closed microwave with a ball on top, a tray in the fridge with bread on it, and
    a closed box on the table."""
    scene_data["objects"] += [
        {"id": "microwave_1", "class": "microwave", "room": "kitchen", "position": [1, 0, 0.9],
         "states": {"open": False}},
        {"id": "ball_1", "class": "ball", "room": "kitchen", "position": [1, 0, 1.2]},
        {"id": "tray_1", "class": "tray", "room": "kitchen", "position": [3, 0.2, 0.5]},
        {"id": "bread_1", "class": "bread", "room": "kitchen", "position": [3, 0.2, 0.55]},
        {"id": "box_1", "class": "box", "room": "kitchen", "position": [0.2, 0, 0.8], "states": {"open": False}}]
    scene_data["relations"] += [{"subject": "ball_1", "predicate": "on", "object": "microwave_1"},
                                {"subject": "tray_1", "predicate": "in", "object": "fridge_1"},
                                {"subject": "bread_1", "predicate": "on", "object": "tray_1"},
                                {"subject": "box_1", "predicate": "on", "object": "table_1"}]
    return SceneGraph.from_dict(scene_data)


@pytest.mark.parametrize("text, theme, skills", [
    ("take the ball", "ball", ["navigate", "pick"]),     # on a closed microwave: within reach
    ("take the bread", "bread", ["navigate", "open", "pick"]),  # on a tray in the closed fridge
    ("take the box", "box", ["navigate", "pick"]),      # a closed box is picked up as it is
])
def test_only_what_is_in_a_closed_container_needs_it_opened(on_closed, default_library, text, theme, skills):
    parse = parse_of(text, "0 0 Picking ; 2 2 Theme", f"picking : take , theme : {theme} :{theme}")
    assert [s.skill for s in ground_parse(parse, on_closed, default_library).plan] == skills


def test_a_closed_box_is_opened_to_put_something_in(on_closed, default_library):
    parse = parse_of("put the red mug in the box", "0 0 Placing ; 2 3 Theme ; 6 6 Goal",
                     "placing : put , theme : red mug :cup , goal : box :box")
    plan = ground_parse(parse, on_closed, default_library).plan
    assert [(s.skill, s.args.get("container")) for s in plan][-2:] == [("open", "box_1"), ("place", None)]


def test_a_task_whose_goal_already_holds_adds_no_steps(scene, default_library):
    parse = parse_of("bring me the red mug and bring it to me", "0 0 Bringing ; 1 1 Recipient ; 3 4 Theme | "
                     "6 6 Bringing ; 7 7 Theme ; 9 9 Recipient",
                     "bringing : bring , recipient : me :person , theme : red mug :cup ; "
                     "bringing : bring , theme : it :cup , recipient : me :person")
    plan = ground_parse(parse, scene, default_library).plan
    assert [(s.skill, s.from_task) for s in plan] == [("navigate", 0), ("pick", 0), ("navigate", 0),
                                                     ("handover", 0)]


def test_a_closed_container_said_so_is_opened_to_put_a_thing_in(default_library):
    # `container` implies `receptacle`: a closed toolbox is opened first, not filled through its lid
    scene = SceneGraph.from_dict({"rooms": [{"id": "garage"}], "agent": {"room": "garage", "holding": "hammer_1"},
                                  "objects": [
        {"id": "hammer_1", "class": "hammer", "room": "garage", "affordances": ["pickable"]},
        {"id": "toolbox_1", "class": "toolbox", "room": "garage", "states": {"open": False},
         "affordances": ["pickable", "openable", "container"]}]})
    parse = parse_of("put the hammer in the toolbox", "0 0 Placing ; 2 2 Theme ; 5 5 Goal",
                     "placing : put , theme : hammer :unk , goal : toolbox :box")
    assert [s.skill for s in ground_parse(parse, scene, default_library).plan] == ["navigate", "open", "place"]
