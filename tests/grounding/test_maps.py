"""Plain robot maps in: classes in the project's words, ids made from classes, rooms from areas or `--room`, defaults
from the class table; bad maps name the file and the object; the `tage data import-map` command and NaN or too
deeply nested scenes through `tage ground` (exit 2)."""

import json

import pytest

from agent.cli import main
from grounding import SceneError, SceneGraph, ground_parse
from grounding.maps import import_map, import_map_file, load_map

from .conftest import ROOT, parse_of, write_yaml

MAP = {"rooms": [{"name": "Living Room", "area": {"min": [0, 0], "max": [5, 4]}},
                 {"id": "kitchen", "area": [[5, 0], [9, 0], [9, 4], [5, 4]]}],
       "objects": [{"class": "glass", "position": [6, 1, 0.9]}, {"class": "tv", "name": "television",
                                                                  "position": [1, 1]},
                   {"id": "cup_1", "class": "cup"}, {"class": "cup", "aliases": ["mug"]}]}


def test_ids_rooms_and_affordances_come_from_the_map():
    scene = SceneGraph.from_dict(import_map(json.loads(json.dumps(MAP))))
    assert sorted(n.id for n in scene.of_kind("object")) == ["cup_1", "cup_2", "glass_1", "tv_1"]
    assert scene["glass_1"].room == "kitchen" and scene["tv_1"].room == "living_room" and scene["cup_2"].room is None
    assert "pickable" in scene["glass_1"].affordances and "toggleable" in scene["tv_1"].affordances


def test_a_bare_list_of_objects_is_a_map(tmp_path):
    path = write_yaml(tmp_path / "map.yaml", [{"class": "plate", "position": [0, 0]}, {"class": "plate"}])
    assert sorted(n.id for n in load_map(path).of_kind("object")) == ["plate_1", "plate_2"]


@pytest.mark.parametrize("form", ["yaml", "json"])
def test_a_map_with_rooms_whose_objects_have_no_ids_is_read_where_a_scene_is(tmp_path, form):
    from grounding.maps import load_scene

    path = tmp_path / f"map.{form}"
    plain = {**MAP, "objects": [{k: v for k, v in o.items() if k != "id"} for o in MAP["objects"]]}
    path.write_text(json.dumps(plain))  # JSON is YAML too
    scene = load_scene(path)
    assert {"glass_1", "cup_1", "cup_2"} <= {n.id for n in scene.of_kind("object")}
    assert "read as a robot map" in scene.warnings[0]
    path.write_text(json.dumps(MAP))  # some ids: a scene with a mistake, named
    with pytest.raises(SceneError, match=r"map\.\w+(:1)?: rooms\[0\]: field id: Field required"):
        load_scene(path)


@pytest.mark.parametrize("given, cls, name", [
    ("Cup", "cup", None), ("Remote-Control", "remote_control", None),                  # case, spaces, hyphens
    ("CoffeeTable", "table", "coffee table"), ("Dining Table", "table", "dining table"),  # THOR's types, labels
    ("cell phone", "cellphone", "cell phone"), ("refrigerator", "fridge", "refrigerator"),
    ("couch", "sofa", "couch"), ("mug", "cup", "mug"), ("remote", "remote_control", "remote"),
    ("HousePlant", "plant", "house plant"), ("potted plant", "plant", "potted plant"),
    ("desk", "desk", None),                      # a class of the affordance table, though "desk" reads as table
    ("flux capacitor", "flux capacitor", None),  # no table knows it: as written
    ("cooker", "cooker", None), ("notebook", "notebook", None),  # words that name more than one class: as written
    ("bin", "bin", None), ("shoes", "shoe", "shoes"), ("keys", "key", "keys"),  # a plural label: its singular
    ("boxes", "box", "boxes"), ("pants", "pants", None), ("cards", "cards", None),  # not a pan, not a car
    ("clothes", "clothes", None), ("glasses", "glasses", None),
    ("KeyChain", "key", "key chain"), ("Desk", "table", "desk"),  # a THOR type name: the AI2-THOR importer's class
    ("coffee maker", "coffee_machine", "coffee maker"),
])
def test_classes_are_put_in_the_projects_words(given, cls, name):
    [o] = import_map([{"class": given}])["objects"]
    assert (o["class"], o.get("name")) == (cls, name)


def test_ids_come_from_the_projects_class_and_given_names_stay():
    scene = SceneGraph.from_dict(import_map({"affordances": {"Gizmo": ["pickable"], "Mug": ["toggleable"]},
                                             "objects": [{"class": "Refrigerator", "name": "Bosch"},
                                                         {"class": "Gizmo"}, {"class": "Mug"}]}))
    assert scene["fridge_1"].name == "Bosch" and "openable" in scene["fridge_1"].affordances
    assert scene["gizmo_1"].cls == "Gizmo" and scene["mug_1"].affordances == {"toggleable"}  # the map's own classes


COCO = {"rooms": [{"id": "kitchen", "area": {"min": [0, 0], "max": [5, 5]}}],
        "objects": [{"id": "obj_0", "class": "refrigerator", "position": [0.4, 0.4, 0.0]},
                    {"id": "obj_2", "class": "mug", "position": [3.0, 1.0, 0.9]},
                    {"id": "obj_8", "class": "cell phone", "position": [4.5, 2.0, 0.45]},
                    {"id": "obj_15", "class": "banana", "position": [2.2, 1.1, 0.9]}]}


@pytest.mark.parametrize("text, spans, texts, bound", [
    ("open the fridge", "0 0 Opening ; 2 2 Container_portal", "opening : open , container_portal : fridge :fridge",
     [("Container_portal", "obj_0")]),
    ("bring me the mug", "0 0 Bringing ; 1 1 Recipient ; 3 3 Theme",
     "bringing : bring , recipient : me :person , theme : mug :cup", [("Recipient", "user"), ("Theme", "obj_2")]),
    ("bring me my phone", "0 0 Bringing ; 1 1 Recipient ; 2 3 Theme",
     "bringing : bring , recipient : me :person , theme : my phone :cellphone",
     [("Recipient", "user"), ("Theme", "obj_8")]),
    ("put the banana in the refrigerator", "0 0 Placing ; 2 2 Theme ; 5 5 Goal ; 5 5 Containing_object",
     "placing : put , theme : banana :banana , goal : refrigerator :fridge , containing_object : refrigerator :fridge",
     [("Theme", "obj_15"), ("Goal", "obj_0"), ("Containing_object", "obj_0")]),
])
def test_a_map_of_detector_labels_plans(default_library, text, spans, texts, bound):
    scene = SceneGraph.from_dict(import_map(json.loads(json.dumps(COCO))))
    result = ground_parse(parse_of(text, spans, texts), scene, default_library)
    assert [(b.role, b.node) for t in result.tasks for b in t.bindings] == bound
    assert result.complete and result.plan and not scene.warnings, result


FLAT = {"rooms": [{"id": "living_room", "area": {"min": [0, 0], "max": [9, 9]}}],
        "objects": [{"class": "table", "name": "coffee table", "position": [6.0, 3.0, 0.0]},
                    {"class": "cup", "name": "mug", "position": [6.0, 3.1, 0.45], "attributes": {"color": "blue"}},
                    {"class": "cup", "name": "mug", "position": [1.0, 1.0, 0.9], "attributes": {"color": "red"}},
                    {"class": "counter", "position": [1.2, 1.0, 0.0]},
                    {"class": "fridge", "position": [3.0, 6.0, 0.0]},
                    {"class": "bottle", "name": "milk", "position": [3.0, 6.0, 1.0]},
                    {"class": "book", "position": [6.3, 3.0, 0.0]},
                    {"class": "apple", "position": [8.5, 8.5, 0.9]},
                    {"class": "pillow", "position": [6.1, 2.9, 0.5]}],
        "relations": [{"subject": "pillow_1", "predicate": "on", "object": "counter_1"}]}


def test_a_pickable_object_above_a_surface_stands_on_the_nearest_one():
    scene = SceneGraph.from_dict(import_map(json.loads(json.dumps(FLAT))))
    on = {(s, o) for s, p, o in scene.asserted if p == "on"}
    # the mugs stand on what is below them; the milk is not put on (or in) the fridge, which opens; the book on the
    # floor and the apple with nothing within reach stand on nothing; the stated relation stays the only one
    assert on == {("cup_1", "table_1"), ("cup_2", "counter_1"), ("pillow_1", "counter_1")}


def test_no_object_is_put_on_a_carried_receptacle_or_far_below_it():
    scene = SceneGraph.from_dict(import_map([
        {"class": "mug", "position": [1.0, 1.0, 0.46]}, {"class": "mug", "position": [1.05, 1.0, 0.45]},
        {"class": "bowl", "position": [1.1, 1.0, 0.44]}, {"class": "coffee_table", "position": [1.5, 1.0, 0.4]},
        {"class": "book", "position": [1.2, 1.0, 2.4]}], room="living room"))
    assert sorted((s, o) for s, p, o in scene.asserted) == [("bowl_1", "table_1"), ("cup_1", "table_1"),
                                                            ("cup_2", "table_1")]   # the book: 2 m above it


@pytest.mark.parametrize("data, problem", [
    ({"affordances": {"cup": 5}, "objects": [{"class": "cup", "position": [0, 0, 1]}]}, "affordances.cup"),
    ({"objects": [{"class": "cup", "position": [0, 0, 1], "affordances": [{"x": 1}]}]}, "affordances.0"),
    ({"objects": [{"class": "cup", "position": [0, 0, 1]}], "relations": [{"subject": ["a"], "predicate": "on",
                                                                          "object": "b"}]}, "subject"),
])
def test_a_malformed_map_is_named_not_crashed_on(tmp_path, data, problem):
    path = tmp_path / "map.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SceneError, match=problem):
        load_map(path)


def test_the_mug_on_the_coffee_table_of_a_map_without_relations(default_library):
    data = json.loads(json.dumps(FLAT))
    del data["relations"]
    scene = SceneGraph.from_dict(import_map(data))
    parse = parse_of("bring me the mug on the coffee table", "0 0 Bringing ; 1 1 Recipient ; 3 3 Theme ; 6 7 Source",
                     "bringing : bring , recipient : me :person , theme : mug :cup , source : coffee table :table")
    result = ground_parse(parse, scene, default_library)
    assert [(b.role, b.node) for b in result.tasks[0].bindings] == [("Recipient", "user"), ("Theme", "cup_1"),
                                                                    ("Source", "table_1")]
    assert result.complete and result.plan, result


def test_room_makes_a_roomless_map_one_room(tmp_path, capsys):
    src = write_yaml(tmp_path / "map.yaml", [{"class": "cup"}, {"class": "sofa", "room": "living_room"}])
    main(["data", "import-map", str(src), "-o", str(tmp_path / "scene.yaml"), "--room", "living room"])
    scene = SceneGraph.load(tmp_path / "scene.yaml")
    assert scene["cup_1"].room == scene["sofa_1"].room == scene.agent.room == "living_room"
    assert scene["living_room"].name == "living room" and "1 room ->" in capsys.readouterr().out


def test_room_for_a_map_with_rooms_is_an_error_naming_them(tmp_path):
    path = write_yaml(tmp_path / "map.yaml", MAP)
    with pytest.raises(SceneError, match=r"map\.yaml: the map declares its rooms \(living_room, kitchen\), so the "
                                         r"room 'kitchen' given for the whole map does not apply"):
        load_map(path, room="kitchen")


@pytest.mark.parametrize("objects, problem", [
    ([{"class": "cup", "position": [float("nan"), 1]}], r"objects\[0\] \(cup_1\): field position"),
    ([{"name": "mug"}], r"objects\[0\]: give each object a `class`"),
    ([{"class": "   "}], r"objects\[0\]: give each object a `class` \(a word such as cup or table\), not '   '"),
    ([{"class": "cup", "position": "here"}], r"objects\[0\] \(cup_1\): field position"),
    ([{"class": "fridge", "states": {"open": "yes"}}],
     r"objects\[0\] \(fridge_1\): field states\.open: Input should be a valid boolean, not 'yes'"),
    ([{"class": "cup", "position": [True, False]}],
     r"objects\[0\] \(cup_1\): field position\.0: Input should be a valid number, not True"),
    ([{"class": "cup", "position": [1, "1.5"]}],
     r"objects\[0\] \(cup_1\): field position\.1: Input should be a valid number, not '1\.5'"),
])
def test_bad_maps_name_file_object_and_problem(tmp_path, objects, problem):
    path = write_yaml(tmp_path / "map.yaml", {"objects": objects})
    with pytest.raises(SceneError, match=r"map\.yaml:\d+: " + problem):
        load_map(path)


def test_thor_metadata_is_recognised(tmp_path):
    src = ROOT / "data" / "scenes" / "ai2thor" / "FloorPlan6_kitchen_objects.json"
    scene = import_map_file(src, tmp_path / "kitchen.json")
    assert scene.agent.room == "kitchen" and SceneGraph.load(tmp_path / "kitchen.json").to_dict() == scene.to_dict()


def test_import_map_command(tmp_path, capsys):
    src = tmp_path / "map.json"
    src.write_text(json.dumps(MAP | {"objects": MAP["objects"] + [{"class": "flux_capacitor"}]}), encoding="utf-8")
    main(["data", "import-map", str(src), "-o", str(tmp_path / "scene.yaml")])
    out = capsys.readouterr()
    assert "5 objects, 2 rooms" in out.out and "class 'flux_capacitor' has no default affordances" in out.err
    assert SceneGraph.load(tmp_path / "scene.yaml")["glass_1"].room == "kitchen"


COMMANDS = [["data", "import-map", "{path}", "-o", "{out}"], ["ground", "pick up the mug", "--scene", "{path}"]]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_nan_coordinate_exits_2_naming_file_and_object(tmp_path, capsys, command):
    path = write_yaml(tmp_path / "scene.yaml", {"objects": [{"id": "mug_1", "class": "cup",
                                                             "position": [float("nan"), 0, 0]}]})
    with pytest.raises(SystemExit) as exit_:
        main([c.format(path=path, out=tmp_path / "out.yaml") for c in command])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert f"{path}:" in err and "(mug_1): field position.0: Input should be a finite number" in err
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name, text, problem", [
    ("deep.json", "[" * 100_000 + "]" * 100_000, "not JSON (nesting too deep)"),
    ("deep.yaml", "a: " + "[" * 900 + "]" * 900, "not YAML (nesting too deep)"),          # deeper than Python's stack
    ("deeper.yaml", "a: " + "[" * 100_000 + "]" * 100_000, "not YAML (exceeded maximum nesting depth)"),  # libyaml's
])
def test_too_deep_nesting_exits_2_naming_the_file(tmp_path, capsys, command, name, text, problem):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        main([c.format(path=path, out=tmp_path / "out.yaml") for c in command])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err and f"{path}" in err and problem in err, err


def test_a_detections_own_fields_are_dropped_not_refused(tmp_path):
    """Perception stacks attach a confidence, a box and a track to each detection, and a header (frame, stamp) to the
    map; a scene holds none of them."""
    path = tmp_path / "detections.json"
    path.write_text(json.dumps({"frame_id": "map", "stamp": {"secs": 1, "nsecs": 0}, "objects": [
        {"class": "cup", "position": [1, 2, 0.9], "confidence": 0.87, "bbox": [10, 20, 30, 40], "track_id": 7},
        {"class": "dining table", "position": [1, 2, 0], "score": 0.95}]}))
    scene = load_map(path)
    assert sorted(n.id for n in scene.of_kind("object")) == ["cup_1", "table_1"]
    assert scene.place_of("cup_1") == "table_1"


def test_a_scene_whose_objects_are_not_mappings_says_so_without_internal_names(tmp_path):
    path = write_yaml(tmp_path / "scene.yaml", {"objects": [1, 2, 3]})
    with pytest.raises(SceneError, match=r"objects\[0\].*Input should be a mapping, not 1") as caught:
        SceneGraph.load(path)
    assert "_Raw" not in str(caught.value)


@pytest.mark.parametrize("surfaces, on", [
    # a mug at table height beside a lower chair that stands nearer across the floor is on the table
    ([("dining table", [1.6, 1.0, 0.75]), ("chair", [1.2, 1.0, 0.45])], "table_1"),
    # two surfaces a few centimetres apart in height: the one right under it, not the one farther away
    ([("desk", [1.7, 1.0, 0.76]), ("dining table", [1.0, 1.0, 0.74])], "table_1"),
])
def test_an_object_is_on_the_surface_right_below_it(tmp_path, surfaces, on):
    path = tmp_path / "dining.json"
    path.write_text(json.dumps({"objects": [{"class": "mug", "position": [1.0, 1.0, 0.8]}] + [
        {"class": cls, "position": at, "affordances": ["receptacle"]} for cls, at in surfaces]}))
    assert load_map(path).place_of("cup_1") == on


@pytest.mark.parametrize("key", ["bbox", "bbox_3d", "bounding_box"])
def test_a_boxed_surface_holds_what_stands_over_its_footprint(tmp_path, key):
    # a 4 m counter (its centre far from the mug at one end, and low: the box's centre) and a sink beside the mug,
    # higher: the mug is on the counter, whose box's top is right below it
    path = tmp_path / "kitchen.json"
    path.write_text(json.dumps({"objects": [
        {"class": "mug", "position": [1.2, 0.4, 0.95], key: {"min": [1.15, 0.35, 0.9], "max": [1.25, 0.45, 1.0]}},
        {"class": "counter", "position": [3.0, 0.4, 0.45], key: {"min": [1.0, 0.1, 0.0], "max": [5.0, 0.7, 0.9]},
         "affordances": ["receptacle"]},
        {"class": "sink", "position": [1.8, 0.3, 0.85], key: {"min": [1.55, 0.1, 0.75], "max": [2.05, 0.5, 0.95]},
         "affordances": ["receptacle"]}]}))
    scene = load_map(path)
    assert scene.place_of("cup_1") == "counter_1" and "bbox" not in json.dumps(scene.to_dict())


def test_a_box_not_of_three_numbers_a_side_is_no_box(tmp_path):
    path = tmp_path / "kitchen.json"
    path.write_text(json.dumps({"objects": [
        {"class": "mug", "position": [1.0, 1.0, 0.8]},
        {"class": "dining table", "position": [1.1, 1.0, 0.74], "bbox": {"min": [0, 0], "max": [2, 2]},
         "affordances": ["receptacle"]}]}))
    assert load_map(path).place_of("cup_1") == "table_1"   # the position decides, as without a box


def test_a_surface_said_to_support_things_holds_what_stands_on_it():
    # `supports` implies `receptacle` (lexicon affordance_implies), as on the rest of the grounder's path
    scene = SceneGraph.from_dict(import_map({"affordances": {"workbench": ["supports"]}, "objects": [
        {"class": "workbench", "position": [1.0, 1.0, 0.0]}, {"class": "mug", "position": [1.1, 1.0, 0.9]}]},
        room="garage"))
    assert {(s, o) for s, p, o in scene.asserted if p == "on"} == {("cup_1", "workbench_1")}
