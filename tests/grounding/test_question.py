"""Clarification questions name what tells the candidates apart."""

from grounding import SceneGraph
from grounding.question import clarification_question, describe_node


def test_attribute_and_place(scene):
    assert clarification_question(scene, "mug", ["mug_1", "mug_2"]) == \
        "Which mug do you mean: the red one on the table or the blue one in the fridge?"


def test_rooms_when_they_differ(apartment):
    assert clarification_question(apartment, "lamp", ["lamp_l", "lamp_b"]) == \
        "Which lamp do you mean: the tall one in the living room or the small one in the bedroom?"


def test_relation_alone_tells_look_alikes_apart(kitchen):
    assert clarification_question(kitchen, "plate", ["plate_1", "plate_2"]) == \
        "Which plate do you mean: the one on the table or the one in the cabinet?"


def test_attribute_alone_when_places_are_shared(apartment):
    assert clarification_question(apartment, "drawer", ["drawer_top", "drawer_bottom"]) == \
        "Which drawer do you mean: the top one or the bottom one?"


def test_falls_back_to_ids_when_nothing_differs():
    from grounding import SceneGraph
    twins = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "cup_a", "class": "cup", "room": "k"}, {"id": "cup_b", "class": "cup", "room": "k"}]})
    question = clarification_question(twins, "cup", ["cup_a", "cup_b"])
    assert "cup_a" in question and "cup_b" in question


def test_describe_node(apartment):
    assert describe_node(apartment, "mug_red") == "the red mug on the counter (mug_red)"


def test_names_when_they_differ():
    from grounding import SceneGraph
    bathroom = SceneGraph.from_dict({"rooms": [{"id": "b"}], "objects": [
        {"id": "sink_1", "class": "sink", "room": "b"},
        {"id": "basin_1", "class": "sink", "name": "sink basin", "room": "b"},
        {"id": "soap_1", "class": "soap", "name": "soap bar", "room": "b"},
        {"id": "soap_2", "class": "soap", "name": "soap bottle", "room": "b"}],
        "relations": [{"subject": "basin_1", "predicate": "part_of", "object": "sink_1"},
                      {"subject": "soap_1", "predicate": "in", "object": "basin_1"},
                      {"subject": "soap_2", "predicate": "on", "object": "sink_1"}]})
    assert clarification_question(bathroom, "soap", ["soap_1", "soap_2"]) == \
        "Which soap do you mean: the soap bar in the sink basin or the soap bottle on the sink?"


def test_a_thing_near_one_candidate_only_tells_look_alikes_apart():
    from grounding import SceneGraph
    kitchen = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "drawer_1", "class": "drawer", "room": "k", "position": [0, 0, 0.7]},
        {"id": "drawer_2", "class": "drawer", "room": "k", "position": [4, 0, 0.7]},
        {"id": "counter_1", "class": "counter", "room": "k", "position": [0.2, 0, 0.9]},
        {"id": "counter_2", "class": "counter", "room": "k", "position": [4.2, 0, 0.9]},
        {"id": "apple_1", "class": "apple", "room": "k", "position": [0.1, 0, 0.9]},
        {"id": "sink_1", "class": "sink", "room": "k", "position": [0.5, 0, 0.9]},
        {"id": "stove_1", "class": "stove", "room": "k", "position": [4.6, 0, 0.9]}]})
    # the counters are near both, the apple is carried about: the sink and the stove tell them apart
    assert clarification_question(kitchen, "drawer", ["drawer_1", "drawer_2"]) == \
        "Which drawer do you mean: the one next to the sink or the one next to the stove?"


def test_the_floor_and_one_of_many_cabinets_are_no_landmarks():
    from grounding import SceneGraph
    kitchen = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "stool_1", "class": "stool", "room": "k", "position": [0, 0, 0]},
        {"id": "stool_2", "class": "stool", "room": "k", "position": [4, 0, 0]},
        {"id": "floor_1", "class": "floor", "room": "k", "position": [0.1, 0, 0]},
        {"id": "cabinet_1", "class": "cabinet", "room": "k", "position": [4.1, 0, 0]},
        {"id": "cabinet_2", "class": "cabinet", "room": "k", "position": [9, 0, 0]},
        {"id": "fridge_1", "class": "fridge", "room": "k", "position": [0.5, 0, 0]},
        {"id": "stove_1", "class": "stove", "room": "k", "position": [4.6, 0, 0]}]})
    assert clarification_question(kitchen, "stool", ["stool_1", "stool_2"], ["floor"]) == \
        "Which stool do you mean: the one next to the fridge or the one next to the stove?"


def _one_room(*objects: dict, relations: tuple = ()) -> SceneGraph:
    """A scene of one room "k" holding `objects` (each without its room)."""
    return SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [{"room": "k", **o} for o in objects],
                                 "relations": list(relations)})


def test_states_tell_look_alikes_apart():
    scene = _one_room({"id": "d1", "class": "drawer", "states": {"open": True}},
                      {"id": "d2", "class": "drawer", "states": {"open": False}})
    assert clarification_question(scene, "drawer", ["d1", "d2"]) == \
        "Which drawer do you mean: the one that is open or the one that is closed?"


def test_an_attribute_in_the_name_is_not_said_twice():
    scene = _one_room({"id": "d1", "class": "drawer", "name": "top drawer", "attributes": {"level": "top"}},
                      {"id": "d2", "class": "drawer", "name": "bottom drawer", "attributes": {"level": "bottom"}})
    assert clarification_question(scene, "drawer", ["d1", "d2"]) == \
        "Which drawer do you mean: the top drawer or the bottom drawer?"


def test_many_look_alikes_only_ids_tell_apart_are_listed():
    scene = _one_room(*({"id": f"c{i}", "class": "cabinet"} for i in range(6)))
    assert clarification_question(scene, "cabinet", [f"c{i}" for i in range(6)]) == \
        "Which cabinet do you mean? 6 fit, and the map tells them apart only by id: c0, c1, c2, c3, c4, c5."


def test_one_above_the_other_by_height():
    scene = _one_room({"id": "d1", "class": "drawer", "position": [1.0, 2.0, 0.3]},
                      {"id": "d2", "class": "drawer", "position": [1.0, 2.1, 0.7]})
    assert clarification_question(scene, "drawer", ["d1", "d2"]) == \
        "Which drawer do you mean: the lower one or the upper one?"


def test_names_partly_alike_say_where_each_is():
    scene = _one_room({"id": "sink_1", "class": "sink"}, {"id": "stove_1", "class": "stove"},
                      {"id": "m1", "class": "cup", "name": "mug"}, {"id": "m2", "class": "cup", "name": "mug"},
                      {"id": "c1", "class": "cup"},
                      relations=({"subject": "m1", "predicate": "on", "object": "sink_1"},
                                 {"subject": "m2", "predicate": "on", "object": "stove_1"}))
    assert clarification_question(scene, "cup", ["m1", "m2", "c1"]) == \
        "Which cup do you mean: the mug on the sink, the mug on the stove or the cup?"
