"""Clarification questions name what tells the candidates apart."""

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
