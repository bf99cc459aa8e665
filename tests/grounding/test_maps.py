"""Plain robot maps in: ids made from classes, rooms from areas, defaults from the class table; bad maps name the
file and the object; the `tage data import-map` command and a NaN scene through `tage ground` (exit 2)."""

import json

import pytest

from agent.cli import main
from grounding import SceneError, SceneGraph
from grounding.maps import import_map, import_map_file, load_map

from .conftest import ROOT, write_yaml

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


@pytest.mark.parametrize("objects, problem", [
    ([{"class": "cup", "position": [float("nan"), 1]}], r"map\.yaml:\d+: objects\[0\] \(cup_1\): field position"),
    ([{"name": "mug"}], r"map\.yaml: objects\[0\]: give each object a `class`"),
    ([{"class": "cup", "position": "here"}], r"objects\[0\] \(cup_1\): field position"),
])
def test_bad_maps_name_file_object_and_problem(tmp_path, objects, problem):
    path = write_yaml(tmp_path / "map.yaml", {"objects": objects})
    with pytest.raises(SceneError, match=problem):
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


@pytest.mark.parametrize("command", [["data", "import-map", "{path}", "-o", "{out}"],
                                     ["ground", "pick up the mug", "--scene", "{path}"]])
def test_a_nan_coordinate_exits_2_naming_file_and_object(tmp_path, capsys, command):
    path = write_yaml(tmp_path / "scene.yaml", {"objects": [{"id": "mug_1", "class": "cup",
                                                             "position": [float("nan"), 0, 0]}]})
    with pytest.raises(SystemExit) as exit_:
        main([c.format(path=path, out=tmp_path / "out.yaml") for c in command])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and "Traceback" not in err
    assert f"{path}:" in err and "(mug_1): field position.0: Input should be a finite number" in err
    assert not (tmp_path / "out.yaml").exists()
