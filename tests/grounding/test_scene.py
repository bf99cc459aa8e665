"""The scene graph: loading, derived near, supports and places, validation errors naming file, place and value."""

import copy
import math
import re

import pytest

from grounding import SceneError, SceneGraph
from grounding.scene import NEAR_LIMIT

from .conftest import FIVE_OBJECTS, ROOT, write_yaml


def test_five_object_scene(scene):
    assert len(list(scene.of_kind("object"))) == 5
    assert scene.graph.has_edge("mug_1", "table_1") and "on" in scene.graph["mug_1"]["table_1"]["predicates"]
    assert scene.place_of("mug_1") == "table_1" and scene.place_of("table_1") == "table_1"
    assert scene.room_of("mug_2") == "kitchen" and scene.room_of("kitchen") == "kitchen"
    assert "user" in scene and scene["user"].kind == "person" and scene["user"].room == "hall"
    assert scene.agent.room == "hall" and "robot" in scene


def test_near_is_derived_from_positions_within_a_room(scene_data):
    scene = SceneGraph.from_dict(scene_data)
    assert "table_1" in scene.related("mug_1", "near") and "mug_1" in scene.related("table_1", "near")
    assert "mug_2" not in scene.related("mug_1", "near")  # 2.9 m apart
    scene_data["near_threshold"] = 5.0
    assert "mug_2" in SceneGraph.from_dict(scene_data).related("mug_1", "near")


@pytest.mark.parametrize("path", ["data/scenes/kitchen.yaml", "data/scenes/thor/FloorPlan6_kitchen.yaml",
                                  "data/scenes/maps/home_map.yaml"])
def test_near_is_every_pair_within_the_threshold_in_real_scenes(path):
    scene = SceneGraph.load(ROOT / path)
    placed = [n for n in scene.of_kind("object") if n.position is not None]
    pairs = {(a.id, b.id) for a in placed for b in placed if a.id < b.id and a.room == b.room
             and math.dist(a.position[:2], b.position[:2]) <= scene.near_threshold}
    assert pairs and {(a.id, b) for a in placed for b in scene.related(a.id, "near") if a.id < b} == pairs


def test_near_in_a_heap_of_look_alikes_is_each_ones_nearest(scene_data):
    scene_data["objects"] += [{"id": f"cup_{i:03d}", "class": "cup", "position": [5 + 0.001 * i, 5, 0]}
                              for i in range(300)]   # 300 cups within 30 cm: 44,850 pairs
    scene = SceneGraph.from_dict(scene_data)
    cups = [f"cup_{i:03d}" for i in range(300)]
    for i in (0, 150, 299):
        near = scene.related(cups[i], "near")
        nearest = sorted(cups, key=lambda c: abs(int(c[4:]) - i))[1:NEAR_LIMIT + 1]
        assert set(nearest) <= near and len(near) <= 2 * NEAR_LIMIT


def test_near_needs_the_same_room(scene_data):
    scene_data["objects"].append({"id": "lamp_1", "class": "lamp", "room": "hall", "position": [0.1, 0.1, 0]})
    assert "lamp_1" not in SceneGraph.from_dict(scene_data).related("mug_1", "near")


def test_holds_follows_stacked_supports_and_rooms(scene_data):
    scene_data["objects"].append({"id": "tray_1", "class": "tray", "position": [0, 0, 0.8]})
    scene_data["relations"] += [{"subject": "tray_1", "predicate": "on", "object": "table_1"}]
    scene_data["relations"][0]["object"] = "tray_1"  # the mug now stands on a tray on the table
    scene = SceneGraph.from_dict(scene_data)
    assert scene.supports("mug_1") == ["tray_1", "table_1"] and scene.place_of("mug_1") == "table_1"
    assert scene.holds("mug_1", ("on",), "table_1") and scene.holds("mug_1", ("in",), "kitchen")
    assert scene["tray_1"].room == "kitchen"  # inherited from what it stands on
    assert scene.holds("table_1", ("~on",), "tray_1") and not scene.holds("mug_1", ("under",), "table_1")


def test_on_or_in_a_part_of_its_class_is_on_or_in_the_whole():
    scene = SceneGraph.from_dict({"objects": [
        {"id": "sink", "class": "sink"}, {"id": "basin", "class": "sink"}, {"id": "counter", "class": "counter"},
        {"id": "drawer", "class": "drawer"}, {"id": "lettuce", "class": "lettuce"}, {"id": "knife", "class": "knife"}],
        "relations": [{"subject": "basin", "predicate": "part_of", "object": "sink"},
                      {"subject": "sink", "predicate": "part_of", "object": "counter"},
                      {"subject": "drawer", "predicate": "part_of", "object": "counter"},
                      {"subject": "lettuce", "predicate": "in", "object": "basin"},
                      {"subject": "knife", "predicate": "in", "object": "drawer"}]})
    assert scene.alike_parts("sink") == {"basin"} and scene.alike_parts("counter") == set()
    assert scene.holds("lettuce", ("in",), "sink") and scene.holds("sink", ("~in",), "lettuce")
    # a part of another class is a thing of its own: the knife in the counter's drawer is not on the counter
    assert not scene.holds("knife", ("on", "in"), "counter") and not scene.holds("lettuce", ("on", "in"), "counter")


def test_round_trip_through_to_dict(scene):
    again = SceneGraph.from_dict(scene.to_dict())
    assert again.to_dict() == scene.to_dict()
    assert again.asserted == scene.asserted


def test_demo_scenes_load():
    for name in ("apartment", "kitchen", "office"):
        scene = SceneGraph.load(ROOT / "data" / "scenes" / f"{name}.yaml")
        assert len(list(scene.of_kind("object"))) >= 30
    apartment = SceneGraph.load(ROOT / "data" / "scenes" / "apartment.yaml")
    assert len(list(apartment.of_kind("room"))) >= 4


def _broken(kind: str) -> tuple[dict, str]:
    data = copy.deepcopy(FIVE_OBJECTS)
    objects, relations = data["objects"], data["relations"]
    if kind == "dangling relation id":
        relations[0]["object"] = "shelf_9"
        return data, r"relations\[0\]: field object: dangling id 'shelf_9'"
    if kind == "duplicate id":
        objects[2]["id"] = "mug_1"
        return data, r"objects\[2\] \(mug_1\): field id: duplicate id 'mug_1' \(first in objects\[1\]\)"
    if kind == "id shared with a room":
        objects[0]["id"] = "kitchen"
        return data, r"objects\[0\] \(kitchen\): field id: duplicate id 'kitchen' \(first in rooms\[0\]\)"
    if kind == "containment cycle":
        relations.append({"subject": "table_1", "predicate": "on", "object": "mug_1"})
        return data, r"containment cycle (mug_1 -> table_1 -> mug_1|table_1 -> mug_1 -> table_1)"
    if kind == "unknown predicate":
        relations[0]["predicate"] = "atop"
        return data, r"relations\[0\]: field predicate: Input should be 'on'"
    if kind == "unknown key":
        objects[1]["colour"] = "red"
        return data, r"objects\[1\] \(mug_1\): field colour: Extra inputs are not permitted"
    if kind == "missing class":
        del objects[1]["class"]
        return data, r"objects\[1\] \(mug_1\): field class: Field required"
    if kind == "unknown room":
        objects[1]["room"] = "garage"
        return data, r"objects\[1\] \(mug_1\): field room: unknown room 'garage'"
    if kind == "NaN coordinate":
        objects[1]["position"] = [1.0, float("nan"), 0.5]
        return data, r"objects\[1\] \(mug_1\): field position.1: Input should be a finite number"
    if kind == "missing coordinate":
        objects[1]["position"] = [1.0, None, 0.5]
        return data, r"objects\[1\] \(mug_1\): field position.1: Input should be a valid number"
    if kind == "boolean coordinate":
        objects[1]["position"] = [True, False, 0.5]
        return data, r"objects\[1\] \(mug_1\): field position.0: Input should be a valid number, not True"
    if kind == "numeric string coordinate":
        objects[1]["position"] = [1.0, "1.5", 0.5]
        return data, r"objects\[1\] \(mug_1\): field position.1: Input should be a valid number, not '1.5'"
    if kind == "string state":
        objects[3]["states"] = {"open": "false"}
        return data, r"objects\[3\] \(fridge_1\): field states.open: Input should be a valid boolean, not 'false'"
    if kind == "numeric state":
        objects[3]["states"] = {"open": 1}
        return data, r"objects\[3\] \(fridge_1\): field states.open: Input should be a valid boolean, not 1"
    if kind == "string near threshold":
        data["near_threshold"] = "2"
        return data, r"field near_threshold: Input should be a valid number, not '2'"
    if kind == "bad position":
        objects[1]["position"] = [1, 2, 3, 4]
        return data, r"objects\[1\] \(mug_1\): field position"
    if kind == "area of two corners":
        data["rooms"][0]["area"] = [[0, 0], [1, 1]]
        return data, r"rooms\[0\] \(kitchen\): field area"
    if kind == "box upside down":
        data["rooms"][0]["area"] = {"min": [2, 0], "max": [1, 1]}
        return data, r"rooms\[0\] \(kitchen\): field area.*is not below max"
    if kind == "holding unknown":
        data["agent"]["holding"] = "ghost"
        return data, r"field agent.holding: unknown object 'ghost'"
    if kind == "self relation":
        relations[0]["object"] = "mug_1"
        return data, r"'mug_1' cannot be on itself"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", [
    "dangling relation id", "duplicate id", "id shared with a room", "containment cycle", "unknown predicate",
    "unknown key", "missing class", "unknown room", "NaN coordinate", "missing coordinate", "boolean coordinate",
    "numeric string coordinate", "string state", "numeric state", "string near threshold", "bad position",
    "area of two corners", "box upside down",
    "holding unknown", "self relation",
])
def test_bad_scene_names_file_line_and_place(tmp_path, kind):
    data, pattern = _broken(kind)
    path = write_yaml(tmp_path / "scene.yaml", data)
    with pytest.raises(SceneError) as err:
        SceneGraph.load(path)
    message = str(err.value)
    assert re.match(rf"{re.escape(str(path))}:\d+: ", message), message
    assert re.search(pattern, message), message


def test_json_scene_errors_name_the_place(tmp_path):
    import json
    data, _ = _broken("dangling relation id")
    path = tmp_path / "scene.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SceneError, match=r"scene\.json: relations\[0\]: field object: dangling id"):
        SceneGraph.load(path)  # JSON has no lines: the file and the place, no "None" line


@pytest.mark.parametrize("text, kind", [('[{"class": "cup"}]', "a list (a list of objects is a map: `tage data "
                                                                "import-map"),
                                        ("", "an empty document"), ("just words", "a str")])
def test_a_scene_file_that_is_no_mapping_says_what_it_is(tmp_path, text, kind):
    path = tmp_path / "scene.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SceneError) as err:
        SceneGraph.load(path)
    assert re.match(rf"{re.escape(str(path))}(:1)?: expected a mapping with `objects:`", str(err.value))
    assert kind in str(err.value) and "_RawScene" not in str(err.value)


ROBOT_MAP = {
    "rooms": [{"id": "kitchen", "area": {"min": [0, 0], "max": [4, 3]}},
              {"id": "hall", "area": [[4, 0], [8, 0], [8, 3], [4, 3]]}],
    "objects": [{"id": "mug_1", "class": "cup", "position": [1, 1]},
                {"id": "mug_2", "class": "cup", "position": [6, 1, 0.9]},
                {"id": "mug_3", "class": "cup"},
                {"id": "table_1", "class": "table", "position": [5, 2, 0]},
                {"id": "plate_1", "class": "plate"}],
    "relations": [{"subject": "plate_1", "predicate": "on", "object": "table_1"}],
}


def test_rooms_come_from_areas_then_supports_else_none():
    scene = SceneGraph.from_dict(copy.deepcopy(ROBOT_MAP))
    assert scene["mug_1"].room == "kitchen" and scene["mug_1"].position == (1.0, 1.0, 0.0)
    assert scene["mug_2"].room == "hall" and scene["plate_1"].room == "hall"
    assert scene["mug_3"].room is None and scene.room_of("mug_3") is None
    assert scene["kitchen"].area == ((0, 0), (4, 0), (4, 3), (0, 3)) and not scene.warnings
    assert SceneGraph.from_dict(scene.to_dict()).to_dict() == scene.to_dict()


def test_a_position_in_two_rooms_is_a_warning_naming_file_and_object():
    data = copy.deepcopy(ROBOT_MAP)
    data["rooms"].append({"id": "pantry", "area": {"min": [0, 0], "max": [2, 2]}})
    scene = SceneGraph.from_dict(data, source="map.yaml")
    assert scene["mug_1"].room == "pantry"
    [warning] = scene.warnings
    assert warning.startswith("map.yaml: object 'mug_1'") and "pantry, kitchen" in warning


def test_a_stated_room_that_its_position_contradicts_is_a_warning():
    data = copy.deepcopy(ROBOT_MAP)
    data["objects"][0]["room"] = "hall"   # at (1, 1): inside the kitchen's box
    scene = SceneGraph.from_dict(data, source="map.yaml")
    assert scene["mug_1"].room == "hall"
    assert scene.warnings == ("map.yaml: object 'mug_1' states room 'hall' but its position [1.0, 1.0] lies in the "
                              "area of 'kitchen': kept in 'hall'",)


def test_a_large_map_loads(tmp_path):
    import json
    import time
    # half of them of a class of two words, which every one of them indexes under its last word too ("cup")
    objects = [{"id": f"o{i}", "class": ("cup", "paper_cup")[i % 2], "position": [i % 300 * 1.5, i // 300 * 1.5]}
               for i in range(100_000)]
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"rooms": [{"id": "hall", "area": {"min": [0, 0], "max": [500, 500]}}],
                                "objects": objects}), encoding="utf-8")
    start = time.perf_counter()
    scene = SceneGraph.load(path)
    assert len(scene) > 100_000 and scene["o99999"].room == "hall" and len(scene.by_term_end["cup"]) == 50_000
    assert time.perf_counter() - start < 60


def test_an_affordance_the_table_does_not_know_is_said_not_refused(tmp_path):
    data = copy.deepcopy(FIVE_OBJECTS)
    data["objects"][1]["affordances"] = ["pickabel", "wipeable"]   # a typo, and one a skill of one's own may require
    data["affordances"] = {"cup": ["graspable"]}
    scene = SceneGraph.load(write_yaml(tmp_path / "scene.yaml", data))
    said = "\n".join(scene.warnings)
    assert re.search(r"scene\.yaml:\d+: objects\[1\] \(mug_1\): field affordances\.0: affordance 'pickabel' is none "
                     r"of the shipped ones \(did you mean 'pickable'\? known: pickable, ", said)
    assert "affordance 'wipeable'" in said and "field affordances.cup.0: affordance 'graspable'" in said
    assert "wipeable" in scene["mug_1"].affordances


def test_a_state_may_be_unknown(tmp_path):
    data = copy.deepcopy(FIVE_OBJECTS)
    data["objects"][3]["states"] = {"open": None}   # formats.md section 3: `open: null`
    assert SceneGraph.load(write_yaml(tmp_path / "scene.yaml", data))["fridge_1"].states == {"open": None}


def test_the_last_words_of_a_name_are_those_before_of():
    scene = SceneGraph.from_dict({"rooms": [{"id": "w"}], "objects": [
        {"id": "can_1", "class": "can", "name": "paint can", "aliases": ["tin of paint"], "room": "w"},
        {"id": "holder_1", "class": "towel_holder", "room": "w"}]})
    assert scene.by_term_end["can"] == ["can_1"] and scene.by_term_end["holder"] == ["holder_1"]
    assert "paint" not in scene.by_term_end   # a tin of paint is a tin
