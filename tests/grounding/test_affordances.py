"""Default affordances by class: the shipped table, scene-level and object-level overrides, unknown classes."""

import pytest

from grounding import SceneError, SceneGraph
from grounding.affordances import AffordanceTable, default_affordances

from .conftest import write_yaml

MAP = {"objects": [{"id": "glass_1", "class": "glass"}, {"id": "tv_1", "class": "tv"},
                   {"id": "oven_1", "class": "oven"}, {"id": "thing_1", "class": "flux_capacitor"},
                   {"id": "thing_2", "class": "flux_capacitor"}]}


def test_shipped_table_covers_the_issue_classes():
    table = default_affordances()
    assert "pickable" in table.of("glass") and "toggleable" in table.of("tv")
    for cls in ("bed", "oven", "stove", "dishwasher", "washing_machine"):
        assert "receptacle" in table.of(cls), cls
    assert table.of("spaceship") is None
    for cls in ("lanyard", "badge", "stapler", "wallet", "umbrella", "banana"):   # small things a hand carries
        assert "pickable" in table.of(cls), cls


def test_objects_without_affordances_get_their_class_defaults():
    scene = SceneGraph.from_dict(MAP)
    assert "pickable" in scene["glass_1"].affordances and not scene["glass_1"].stated
    assert scene["oven_1"].affordances >= {"openable", "receptacle", "toggleable"}


def test_unknown_class_is_allowed_with_one_warning_naming_it():
    scene = SceneGraph.from_dict(MAP, source="map.yaml")
    assert scene["thing_1"].affordances == frozenset()
    [warning] = scene.warnings
    assert "map.yaml" in warning and "'thing_1' and 1 more" in warning and "flux_capacitor" in warning


@pytest.mark.parametrize("where, expected", [
    ("scene", {"pickable"}),       # the scene's section overrides the table for the class
    ("object", set()),             # an explicit (empty) list is what the object can do
])
def test_overrides(where, expected):
    data = {"objects": [{"id": "tv_1", "class": "tv"}]}
    if where == "scene":
        data["affordances"] = {"tv": ["pickable"]}
    else:
        data["objects"][0]["affordances"] = []
    scene = SceneGraph.from_dict(data)
    assert scene["tv_1"].affordances == expected
    again = SceneGraph.from_dict(scene.to_dict())
    assert again["tv_1"].affordances == expected and again.to_dict() == scene.to_dict()


def test_unstated_affordances_stay_unstated_on_export():
    scene = SceneGraph.from_dict(MAP)
    assert "affordances" not in scene.to_dict()["objects"][0]


def test_bad_table_names_file_line_and_class(tmp_path):
    path = write_yaml(tmp_path / "aff.yaml", {"known": ["pickable"], "classes": {"cup": ["pickabel"]}})
    with pytest.raises(SceneError, match=r"aff\.yaml:1: .*class 'cup' names unknown affordance 'pickabel'"):
        AffordanceTable.load(path)
