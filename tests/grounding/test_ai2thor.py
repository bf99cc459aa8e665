"""The AI2-THOR importer on the real fixtures, and the exporter back to the project's format."""

import json

import pytest

from grounding import SceneError, SceneGraph, export_scene, import_ai2thor, load_ai2thor

from .conftest import ROOT

FIXTURES = sorted((ROOT / "data" / "scenes" / "ai2thor").glob("*.json"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixtures_import_and_round_trip(tmp_path, path):
    scene = load_ai2thor(path)
    raw = json.loads(path.read_text())
    assert len(list(scene.of_kind("object"))) == len(raw)
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
])
def test_types_get_the_classes_and_names_people_use(kind, cls, name):
    node = import_ai2thor([{"objectId": f"{kind}|1|2|3", "objectType": kind, "position": {"x": 0, "y": 0, "z": 0}}])
    assert (node["objects"][0]["class"], node["objects"][0]["name"]) == (cls, name)


@pytest.mark.parametrize("objects, problem", [
    ({"objectId": "x"}, "expected a JSON list"),
    ([{"objectType": "Mug", "position": {"x": 0, "y": 0, "z": 0}}], "object 0: missing objectId"),
    ([{"objectId": "A|1|2|3", "objectType": "Apple", "position": {"x": 0, "y": 0, "z": 0}}] * 2,
     "object 1: duplicate objectId"),
])
def test_bad_input(objects, problem):
    with pytest.raises(SceneError, match=problem):
        import_ai2thor(objects, source="thor.json")


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_thor_export_reimports_to_the_same_scene(path):
    from grounding import export_ai2thor

    imported = import_ai2thor(json.loads(path.read_text()), room="r")
    assert import_ai2thor(export_ai2thor(SceneGraph.from_dict(imported)), room="r") == imported


def test_thor_export_of_objects_made_here():
    from grounding import export_ai2thor

    scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
        {"id": "box_1", "class": "box", "room": "k", "position": [1.0, 2.0, 0.5], "affordances": ["openable"],
         "states": {"open": True}}]})
    (box,) = export_ai2thor(scene)
    assert box["objectId"] == "Box|+1.00|+0.50|+2.00" and box["isOpen"] is True and box["parentReceptacles"] is None
