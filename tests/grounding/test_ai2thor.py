"""The AI2-THOR importer on the real fixtures and on small literal dumps: types and names, the saved forms of THOR
metadata, bad fields named by file, object and field, the states people refer to, the most specific receptacle, the
room of a floor plan; and the exporter back to THOR and to the project's format."""

import copy
import itertools
import json
import re

import pytest

from agent.cli import main
from grounding import SceneError, SceneGraph, export_ai2thor, export_scene, ground_parse, import_ai2thor, load_ai2thor
from grounding.maps import load_map, load_scene

from .conftest import ROOT, parse_of, write_yaml

FIXTURES = sorted((ROOT / "data" / "scenes" / "ai2thor").glob("*.json"))
COUNTER, MACHINE = "CounterTop|+01.60|+00.90|-01.40", "CoffeeMachine|+01.90|+00.95|-01.50"
SINK, BASIN = "Sink|-01.80|+00.86|+01.30", "Sink|-01.80|+00.86|+01.30|SinkBasin"


def thor(kind: str, object_id: str, y: float = 0.9, **fields) -> dict:
    return {"objectId": object_id, "objectType": kind, "position": {"x": 1.0, "y": y, "z": 2.0}, **fields}


def dump(path, data: object):
    """`data` written to `path` as JSON (`.json`) or YAML."""
    if path.suffix != ".json":
        return write_yaml(path, data)
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# A kitchen as AI2-THOR 5 states it: containment both ways, a mug in the coffee machine filled with coffee, a dirty
# mug in the sink basin, a sliced apple.
KITCHEN = [
    thor("CounterTop", COUNTER, receptacle=True, receptacleObjectIds=[SINK, MACHINE, "Apple|1|1|1"]),
    thor("Sink", SINK, 0.86, receptacle=True, parentReceptacles=[COUNTER], receptacleObjectIds=["Mug|2|2|2"]),
    thor("SinkBasin", BASIN, 0.85, receptacle=True, receptacleObjectIds=["Mug|2|2|2"]),
    thor("CoffeeMachine", MACHINE, 0.95, receptacle=True, toggleable=True, isToggled=False,
         parentReceptacles=[COUNTER], receptacleObjectIds=["Mug|1|1|1"]),
    thor("Mug", "Mug|1|1|1", 0.97, pickupable=True, receptacle=True, dirtyable=True, isDirty=False,
         canFillWithLiquid=True, isFilledWithLiquid=True, fillLiquid="coffee", parentReceptacles=[COUNTER, MACHINE]),
    thor("Mug", "Mug|2|2|2", 0.84, pickupable=True, receptacle=True, dirtyable=True, isDirty=True,
         canFillWithLiquid=True, isFilledWithLiquid=False, fillLiquid=None, parentReceptacles=[SINK, BASIN]),
    thor("Apple", "Apple|1|1|1", pickupable=True, sliceable=True, isSliced=True, parentReceptacles=[COUNTER]),
]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixtures_import_and_round_trip(tmp_path, path):
    scene = load_ai2thor(path)
    raw = json.loads(path.read_text())
    assert len(list(scene.of_kind("object"))) == len(raw) and not scene.warnings
    for suffix in (".yaml", ".json"):
        export_scene(scene, tmp_path / f"scene{suffix}")
        assert SceneGraph.load(tmp_path / f"scene{suffix}").to_dict() == scene.to_dict()


def test_kitchen_mapping():
    scene = load_ai2thor(ROOT / "data" / "scenes" / "ai2thor" / "FloorPlan6_kitchen_objects.json")
    assert scene.name == "kitchen" and scene.agent.room == "kitchen"
    mug = scene["mug_1"]
    assert mug.cls == "cup" and mug.name == "mug" and "pickable" in mug.affordances
    assert mug.attributes["thor_id"] == "Mug|+01.45|+00.91|-01.23" and mug.attributes["material"] == "ceramic"
    assert mug.position == (1.451, -1.234, 0.913)  # THOR's y is up; the project's z is
    assert scene.holds("mug_1", ("in",), "sink_1")
    assert ("sink_basin_1", "part_of", "sink_1") in scene.asserted
    fridge = scene["fridge_1"]
    assert fridge.states == {"open": False} and {"openable", "receptacle"} <= fridge.affordances
    assert not any(o == "floor_1" for _, _, o in scene.asserted)  # the floor supports nothing a person names


@pytest.mark.parametrize("kind, cls, name", [
    ("KeyChain", "key", "key chain"),       # "my keys"
    ("LightSwitch", "switch", "light switch"),
    ("Painting", "painting", "picture"),
    ("DiningTable", "table", "dining table"),
    ("Desktop", "computer", "desktop"),
    ("Boots", "boot", "boots"),
    ("Watch", "watch", "watch"),            # a type the table does not list: its own snake_case name
    ("AppleSliced", "apple_sliced", "apple slice"), ("EggCracked", "egg_cracked", "cracked egg"),  # as people say
])
def test_types_get_the_classes_and_names_people_use(kind, cls, name):
    node = import_ai2thor([{"objectId": f"{kind}|1|2|3", "objectType": kind, "position": {"x": 0, "y": 0, "z": 0}}])
    assert (node["objects"][0]["class"], node["objects"][0]["name"]) == (cls, name)


# -- bad fields: the file, the object's index and objectId, the field and the problem, never a traceback ----------
MUG = "Mug|+01.85|+00.97|-01.45"


@pytest.mark.parametrize("change, problem", [
    ({"objectId": None}, "object 1: field objectId: expected a string, got null"),
    ({"objectId": ""}, 'object 1: field objectId: expected a non-empty string, got ""'),
    ({"objectType": 7}, f"object 1 ({MUG}): field objectType: expected a string, got 7"),
    ({"position": [1.0, 0.9, 2.0]}, f"object 1 ({MUG}): field position: expected a mapping with numbers x, y and z, "
                                    "got a list"),
    ({"position": {"x": 1.0, "z": 2.0}}, f"object 1 ({MUG}): missing position.y"),
    ({"position": {"x": "1", "y": None, "z": 0}}, f"object 1 ({MUG}): field position.x: expected a number, got \"1\""),
    ({"position": {"x": 1, "y": True, "z": 0}}, f"object 1 ({MUG}): field position.y: expected a number, got true"),
    ({"position": {"x": float("nan"), "y": 0, "z": 0}}, "field position.x: expected a finite number, got NaN"),
    ({"parentReceptacles": COUNTER}, f"object 1 ({MUG}): field parentReceptacles: expected a list or null, got "
                                     '"CounterTop|+01.60|+00.90|-01.40"'),
    ({"parentReceptacles": [COUNTER, 3]}, "field parentReceptacles.1: expected a string, got 3"),
    ({"receptacleObjectIds": {"a": 1}}, "receptacleObjectIds: expected a list or null, got a mapping with keys a"),
    ({"isOpen": "false"}, f"object 1 ({MUG}): field isOpen: expected true or false, got \"false\""),
    ({"openable": "false"}, "field openable: expected true or false, got \"false\""),
    ({"isDirty": 1}, "field isDirty: expected true or false, got 1"),
    ({"pickupable": None}, "field pickupable: expected true or false, got null"),
    ({"fillLiquid": 5}, "field fillLiquid: expected a string, got 5"),
])
def test_a_bad_field_names_file_object_and_field(tmp_path, change, problem):
    path = dump(tmp_path / "FloorPlan6.json", [thor("CounterTop", COUNTER), thor("Mug", MUG) | change])
    with pytest.raises(SceneError) as err:
        load_ai2thor(path)
    message = str(err.value)
    assert message.startswith(f"{path}: object 1") and problem in message, message


@pytest.mark.parametrize("objects, problem", [
    ([thor("Mug", "Mug|1|2|3"), 42], "object 1: expected a mapping with objectId, objectType and position, got 42"),
    ([{"objectType": "Mug", "position": {"x": 0, "y": 0, "z": 0}}], "object 0: missing objectId"),
    ([thor("Apple", "A|1|2|3")] * 2, "object 1: duplicate objectId 'A|1|2|3'"),
])
def test_bad_objects(objects, problem):
    with pytest.raises(SceneError, match=f"^thor.json: {problem}"):
        import_ai2thor(objects, source="thor.json")


def test_a_bad_field_in_yaml_names_its_line(tmp_path):
    path = write_yaml(tmp_path / "kitchen.yaml", {"objects": [thor("Mug", MUG), thor("Fridge", "F|1|2|3",
                                                                                       isOpen="false")]})
    with pytest.raises(SceneError, match=r"kitchen\.yaml:\d+: object 1 \(F\|1\|2\|3\): field isOpen"):
        load_ai2thor(path)


@pytest.mark.parametrize("command", [["data", "import-map", "{path}", "-o", "{out}"],
                                     ["data", "import-map", "{path}", "-o", "{out}", "--from", "ai2thor"]])
def test_the_command_exits_2_on_a_bad_field(tmp_path, capsys, command):
    path = dump(tmp_path / "FloorPlan6.json", [thor("Mug", MUG, objectType=7)])
    with pytest.raises(SystemExit) as exit_:
        main([c.format(path=path, out=tmp_path / "out.yaml") for c in command])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err and f"{path}: object 0 ({MUG}): field objectType" in err


# -- the saved forms of THOR metadata -------------------------------------------------------------------------------
@pytest.mark.parametrize("wrap", [lambda o: o, lambda o: {"objects": o}, lambda o: {"metadata": {"objects": o}}],
                         ids=["list", "objects", "metadata"])
@pytest.mark.parametrize("kind", ["ai2thor", "auto"])
def test_saved_forms_of_thor_metadata_are_read(tmp_path, wrap, kind):
    path = dump(tmp_path / "kitchen.json", wrap(KITCHEN))
    scene = load_map(path, kind)
    assert scene.to_dict() == load_ai2thor(path).to_dict() == SceneGraph.from_dict(import_ai2thor(KITCHEN,
                                                                                                   "kitchen")).to_dict()


@pytest.mark.parametrize("kind", ["ai2thor", "auto"])
def test_a_list_of_one_event_is_its_state_and_of_several_is_refused(tmp_path, kind):
    event = {"metadata": {"sceneName": "FloorPlan6", "objects": KITCHEN}}
    one = load_map(dump(tmp_path / "one.json", [event]), kind)
    assert one.to_dict() == load_map(dump(tmp_path / "event.json", event), kind).to_dict()
    assert one.agent.room == "kitchen" and load_scene(tmp_path / "one.json").to_dict() == one.to_dict()
    path = dump(tmp_path / "episode.json", [event, {"objects": KITCHEN}])
    for read in (lambda: load_map(path, kind), lambda: load_scene(path)):
        with pytest.raises(SceneError, match=rf"^{re.escape(str(path))}: a list of 2 AI2-THOR events \(an episode\)"
                                             r".*events\[-1\]\.metadata"):
            read()


@pytest.mark.parametrize("position, expected", [({"x": 1.5, "y": 0.9, "z": -2.0}, (1.5, -2.0, 0.9)),
                                                ({"x": "1", "y": 0.9, "z": 0}, None), (None, None)])
def test_an_events_agent_position_is_the_robots(tmp_path, position, expected):
    agent = {"name": "agent"} | ({"position": position} if position else {})
    scene = load_map(dump(tmp_path / "event.json", {"metadata": {"sceneName": "FloorPlan6", "agent": agent,
                                                                 "objects": KITCHEN}}), "auto")
    assert (tuple(scene.agent.position) if scene.agent.position else None) == expected


def test_parents_missing_from_a_filtered_dump_are_one_warning(tmp_path):
    picked = [o for o in KITCHEN if o.get("pickupable")]
    lost = [o for o in picked if o.get("parentReceptacles")
            and not {p["objectId"] for p in picked} & set(o["parentReceptacles"])]
    assert len(lost) >= 1
    path = dump(tmp_path / "kitchen.json", picked)
    [warning] = [w for w in load_map(path).warnings if "parentReceptacles" in w]
    assert warning.startswith(f"{path}: the parentReceptacles of {len(lost)} object") and lost[0]["objectId"] in warning
    assert not [w for w in load_map(dump(tmp_path / "whole_kitchen.json", KITCHEN)).warnings if "parentRecep" in w]


def test_an_empty_event_is_thor_metadata(tmp_path):
    path = dump(tmp_path / "event.json", {"metadata": {"sceneName": "FloorPlan6", "objects": []}})
    assert load_map(path).agent.room == "kitchen"


@pytest.mark.parametrize("name, data, got", [
    ("map.yaml", {"rooms": [], "areas": {}}, "got a mapping with keys rooms, areas"),
    ("map.json", {"metadata": {"agent": {}}}, "got a mapping with keys agent"),
    ("map.json", "kitchen", 'got "kitchen"'),
])
def test_neither_form_says_what_was_expected(tmp_path, name, data, got):
    path = dump(tmp_path / name, data)
    with pytest.raises(SceneError) as err:
        load_map(path, "ai2thor")
    message = str(err.value)
    assert message.startswith(str(path)) and got in message
    assert "expected AI2-THOR object metadata (a list of objects, a mapping with `objects: [...]`, an event's " \
           "`metadata: {objects: [...]}` or a list of one such event)" in message
    assert "JSON" not in message and "Located" not in message and "dict" not in message


# -- states people refer to -------------------------------------------------------------------------------------------
def test_states_people_refer_to_are_kept():
    scene = SceneGraph.from_dict(import_ai2thor(KITCHEN, "kitchen"))
    assert scene["mug_1"].attributes["contents"] == "coffee" and scene["mug_1"].aliases == ("coffee mug",)
    assert scene["mug_1"].states == {"dirty": False, "filled": True}
    assert scene["mug_2"].states == {"dirty": True, "filled": False} and "contents" not in scene["mug_2"].attributes
    assert scene["apple_1"].states == {"sliced": True}
    assert scene["coffee_machine_1"].states == {"on": False}


@pytest.mark.parametrize("text, spans, texts, theme", [
    ("bring me the dirty mug", "0 0 Bringing ; 1 1 Recipient ; 3 4 Theme",
     "bringing : bring , recipient : me :person , theme : dirty mug :cup", "mug_2"),
    ("bring me the clean mug", "0 0 Bringing ; 1 1 Recipient ; 3 4 Theme",
     "bringing : bring , recipient : me :person , theme : clean mug :cup", "mug_1"),
    ("bring me the mug of coffee", "0 0 Bringing ; 1 1 Recipient ; 3 5 Theme",
     "bringing : bring , recipient : me :person , theme : mug of coffee :cup", "mug_1"),
])
def test_the_states_bind_without_a_question(default_library, text, spans, texts, theme):
    result = ground_parse(parse_of(text, spans, texts), SceneGraph.from_dict(import_ai2thor(KITCHEN)), default_library)
    assert result.complete and dict((b.role, b.node) for t in result.tasks for b in t.bindings)["Theme"] == theme


def test_a_sliced_apple_is_not_sliced_again(default_library):
    parse = parse_of("slice the apple", "0 0 Cutting ; 2 2 Theme", "cutting : slice , theme : apple :apple")
    result = ground_parse(parse, SceneGraph.from_dict(import_ai2thor(KITCHEN)), default_library)
    assert result.complete and result.plan == (), result


# -- the most specific receptacle, whatever the order -------------------------------------------------------------
@pytest.mark.parametrize("index, parents, relation", [
    *[(4, list(p), ("mug_1", "on", "coffee_machine_1")) for p in itertools.permutations([COUNTER, MACHINE])],
    *[(5, list(p), ("mug_2", "in", "sink_basin_1")) for p in itertools.permutations([SINK, BASIN, COUNTER])],
])
def test_the_most_specific_receptacle_is_kept_in_any_order(index, parents, relation):
    objects = copy.deepcopy(KITCHEN)
    objects[index]["parentReceptacles"] = parents
    relations = [(r["subject"], r["predicate"], r["object"]) for r in import_ai2thor(objects)["relations"]]
    assert [r for r in relations if r[0] == relation[0]] == [relation]


def test_receptacle_object_ids_stand_in_for_missing_parents():
    objects = [o | {"parentReceptacles": None} for o in copy.deepcopy(KITCHEN)]
    relations = {(r["subject"], r["predicate"], r["object"]) for r in import_ai2thor(objects)["relations"]}
    assert relations == {("sink_basin_1", "part_of", "sink_1"), ("sink_1", "on", "counter_top_1"),
                         ("coffee_machine_1", "on", "counter_top_1"), ("mug_1", "on", "coffee_machine_1"),
                         ("mug_2", "in", "sink_basin_1"), ("apple_1", "on", "counter_top_1")}


@pytest.mark.parametrize("y, support", [(1.6, "shelf_1"), (0.9, "desk_1"), (0.75, "desk_1"), (0.5, "desk_1")])
def test_of_unrelated_receptacles_the_highest_below_the_object_is_kept(y, support):
    objects = [thor("Shelf", "Shelf|1|1|1", 1.5), thor("Desk", "Desk|1|1|1", 0.7),
               thor("Book", "Book|1|1|1", y, parentReceptacles=["Shelf|1|1|1", "Desk|1|1|1"])]
    for listed in (objects, [objects[1], objects[0], objects[2]]):   # whatever the order
        assert import_ai2thor(listed)["relations"] == [{"subject": "book_1", "predicate": "on", "object": support}]


# -- the room of a floor plan ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, room_id, room_name, warned", [
    ("FloorPlan6_kitchen_objects.json", "kitchen", "kitchen", False),     # a room word in the name
    ("FloorPlan207_living_room_objects.json", "living_room", "living room", False),
    ("thor_kitchen2.json", "kitchen", "kitchen", False),
    ("guest_bedroom.json", "bedroom", "bedroom", False),
    ("LivingRoom.yaml", "living_room", "living room", False),
    ("FloorPlan6.json", "kitchen", "kitchen", False),                     # iTHOR's floor plan numbers
    ("FloorPlan201.json", "living_room", "living room", False),
    ("floorplan_315_objects.json", "bedroom", "bedroom", False),
    ("FloorPlan430.json", "bathroom", "bathroom", False),
    ("FloorPlan231.json", "floorplan231", "FloorPlan231", True),         # no iTHOR floor plan
    ("scene-3.json", "scene_3", "scene-3", True),                         # the file name alone, with a warning
    ("objects.json", "objects", "objects", True),
])
def test_the_room_comes_from_the_file_name_or_the_floor_plan(tmp_path, name, room_id, room_name, warned):
    path = dump(tmp_path / name, KITCHEN)
    scene = load_ai2thor(path)
    assert scene.agent.room == room_id and scene[room_id].name == room_name and scene["mug_1"].room == room_id
    expected = (f"{path}: the room is named {room_name!r} after the file, whose name gives no room word and no iTHOR "
                "floor plan number: name it with `--room NAME` (e.g. --room kitchen)")
    assert [w for w in scene.warnings if "--room NAME" in w] == ([expected] if warned else [])


def test_an_events_scene_name_gives_the_room(tmp_path):
    scene = load_ai2thor(dump(tmp_path / "event.json", {"metadata": {"sceneName": "FloorPlan301", "objects": KITCHEN}}))
    assert scene.agent.room == "bedroom" and not scene.warnings


def test_the_command_names_the_room_and_warns(tmp_path, capsys):
    path = dump(tmp_path / "scene-3.json", KITCHEN)
    main(["data", "import-map", str(path), "-o", str(tmp_path / "a.yaml")])
    assert "the room is named 'scene-3' after the file" in capsys.readouterr().err
    main(["data", "import-map", str(path), "-o", str(tmp_path / "b.yaml"), "--room", "living room"])
    assert "--room NAME" not in capsys.readouterr().err
    scene = SceneGraph.load(tmp_path / "b.yaml")
    assert scene.agent.room == "living_room" and scene["living_room"].name == "living room"


# -- export back to THOR ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("objects", [json.loads(p.read_text()) for p in FIXTURES] + [KITCHEN],
                         ids=[p.stem for p in FIXTURES] + ["kitchen"])
def test_thor_export_reimports_to_the_same_scene(objects):
    imported = import_ai2thor(objects, room="r")
    assert import_ai2thor(export_ai2thor(SceneGraph.from_dict(imported)), room="r") == imported


def test_thor_export_of_objects_made_here():
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "box_1", "class": "box", "room": "k", "position": [1.0, 2.0, 0.5], "affordances": ["openable"],
         "states": {"open": True}},
        {"id": "glass_1", "class": "glass", "room": "k", "attributes": {"contents": "water"},
         "states": {"filled": True, "dirty": True}}]})
    box, glass = export_ai2thor(scene)
    assert box["objectId"] == "Box|+1.00|+0.50|+2.00" and box["isOpen"] is True and box["parentReceptacles"] is None
    assert "isDirty" not in box and "isFilledWithLiquid" not in box
    assert (glass["dirtyable"], glass["isDirty"], glass["canFillWithLiquid"], glass["isFilledWithLiquid"],
            glass["fillLiquid"]) == (True, True, True, True, "water")


def test_a_map_glass_of_water_goes_to_thor_and_back_with_its_water():
    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "glass_1", "class": "glass", "room": "k", "position": [0, 0, 1], "attributes": {"contents": "water"}},
        {"id": "glass_2", "class": "glass", "room": "k", "position": [1, 0, 1], "attributes": {"contents": "water"},
         "states": {"filled": False}}]})   # emptied: THOR keeps no liquid
    back = import_ai2thor(export_ai2thor(scene), room="k")["objects"]
    assert [o["attributes"].get("contents") for o in back] == ["water", None]
