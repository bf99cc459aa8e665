"""AI2-THOR object metadata in and out (`import_ai2thor`, `load_ai2thor`, `export_ai2thor`), and the project's scene
format out (`export_scene`)."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from decoding.files import write_atomic

from .errors import SceneError
from .lexicon import default_lexicon_path
from .scene import SceneGraph
from .sources import load_data, load_model

__all__ = ["ThorMapping", "import_ai2thor", "load_ai2thor", "export_ai2thor", "export_scene"]

_AFFORDANCES = {"pickupable": "pickable", "openable": "openable", "toggleable": "toggleable",
                "receptacle": "receptacle", "sliceable": "sliceable", "moveable": "movable"}
_REQUIRED = ("objectId", "objectType", "position")


class ThorMapping(BaseModel):
    """How THOR types, names, containers and materials map to the project's vocabulary (data/lexicon/ai2thor.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    classes: dict[str, str] = {}
    names: dict[str, str] = {}
    containers: frozenset[str] = frozenset()
    materials: dict[str, str] = {}
    skip_parents: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: str | Path) -> ThorMapping:
        return load_model(cls, path, SceneError)


@lru_cache(maxsize=1)
def _default_mapping() -> ThorMapping:
    return ThorMapping.load(default_lexicon_path().with_name("ai2thor.yaml"))


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def _type_of(object_id: str) -> str:
    return object_id.split("|")[0]


def import_ai2thor(objects: list[dict], room: str = "room", source: str = "<ai2thor>",
                   mapping: ThorMapping | None = None) -> dict:
    """The project's scene dict (formats.md section 3) for AI2-THOR's `event.metadata["objects"]`.

    One floor plan is one room (THOR has no rooms). Positions become (x, z, y): the project's z is up.
    Examples
    --------
    >>> scene = import_ai2thor([{"objectId": "Mug|+01.45|+00.91|-01.23", "objectType": "Mug",
    ...     "position": {"x": 1.45, "y": 0.91, "z": -1.23}, "pickupable": True}], room="kitchen")
    >>> scene["objects"][0]["id"], scene["objects"][0]["class"], scene["objects"][0]["position"]
    ('mug_1', 'cup', [1.45, -1.23, 0.91])
    """
    mapping = mapping or _default_mapping()
    if not isinstance(objects, list):
        raise SceneError(f"{source}: expected a JSON list of AI2-THOR objects, got {type(objects).__name__}")
    ids = _node_ids(objects, source)
    nodes = [_object(o, ids, room, mapping) for o in objects]
    return {"name": room, "agent": {"room": room}, "rooms": [{"id": room, "name": room.replace("_", " ")}],
            "objects": nodes, "relations": _relations(objects, ids, mapping)}


def _node_ids(objects: list[dict], source: str) -> dict[str, str]:
    counts: Counter = Counter()
    ids = {}
    for i, o in enumerate(objects):
        missing = [k for k in _REQUIRED if not isinstance(o, dict) or k not in o]
        if missing:
            raise SceneError(f"{source}: object {i}: missing {', '.join(missing)}")
        if o["objectId"] in ids:
            raise SceneError(f"{source}: object {i}: duplicate objectId {o['objectId']!r}")
        counts[o["objectType"]] += 1
        ids[o["objectId"]] = f"{_snake(o['objectType'])}_{counts[o['objectType']]}"
    return ids


def _object(o: dict, ids: dict[str, str], room: str, mapping: ThorMapping) -> dict:
    kind = o["objectType"]
    p = o["position"]
    node = {"id": ids[o["objectId"]], "class": mapping.classes.get(kind, _snake(kind)),
            "name": mapping.names.get(kind, _snake(kind).replace("_", " ")), "room": room,
            "position": [round(p["x"], 3), round(p["z"], 3), round(p["y"], 3)],
            "attributes": {"thor_id": o["objectId"]},
            "affordances": [a for k, a in _AFFORDANCES.items() if o.get(k)]}
    material = next((mapping.materials[m] for m in o.get("salientMaterials") or () if m in mapping.materials), None)
    if material:
        node["attributes"]["material"] = material
    states = {k: bool(o.get(flag)) for k, flag, able in (("open", "isOpen", "openable"), ("on", "isToggled",
                                                                                          "toggleable"))
              if o.get(able)}
    if states:
        node["states"] = states
    return node


def _relations(objects: list[dict], ids: dict[str, str], mapping: ThorMapping) -> list[dict]:
    """`in` / `on` from parentReceptacles (the first that is not structural), `part_of` from compound ids."""
    import networkx as nx  # here: parsing alone never needs it (start-up)

    graph, out = nx.DiGraph(), []
    for o in objects:
        parts = o["objectId"].split("|")
        whole = "|".join(parts[:4])
        if len(parts) > 4 and whole in ids:
            out.append({"subject": ids[o["objectId"]], "predicate": "part_of", "object": ids[whole]})
            graph.add_edge(ids[o["objectId"]], ids[whole])
    for o in objects:
        parents = [p for p in o.get("parentReceptacles") or () if p in ids and _type_of(p) not in
                   mapping.skip_parents and p != o["objectId"]]
        if not parents:
            continue
        child, parent = ids[o["objectId"]], ids[parents[0]]
        if graph.has_node(parent) and graph.has_node(child) and nx.has_path(graph, parent, child):
            continue  # THOR states containment both ways; keep the edges that form no cycle
        predicate = "in" if _type_of(parents[0]) in mapping.containers else "on"
        out.append({"subject": child, "predicate": predicate, "object": parent})
        graph.add_edge(child, parent)
    return out


def load_ai2thor(path: str | Path, room: str | None = None) -> SceneGraph:
    """A `SceneGraph` from a JSON file of AI2-THOR objects; the room defaults to the file name's last word."""
    data = load_data(path, SceneError)
    room = room or Path(path).stem.removesuffix("_objects").split("_", 1)[-1]
    return SceneGraph.from_dict(import_ai2thor(data, room=room, source=str(path)), source=str(path))


def export_ai2thor(scene: SceneGraph, mapping: ThorMapping | None = None) -> list[dict]:
    """The scene's objects as AI2-THOR object metadata (what `import_ai2thor` reads), e.g. after a simulated plan.

    Objects keep the `objectId` they were imported with (attribute `thor_id`); others get one from their type and
    position. `parentReceptacles` come from the on / in relations, the flags from the affordances, `isOpen` /
    `isToggled` from the states.

    Examples
    --------
    >>> objects = [{"objectId": "Mug|+01.45|+00.91|-01.23", "objectType": "Mug", "pickupable": True,
    ...             "position": {"x": 1.45, "y": 0.91, "z": -1.23}}]
    >>> back = export_ai2thor(SceneGraph.from_dict(import_ai2thor(objects)))
    >>> back[0]["objectId"], back[0]["position"], back[0]["pickupable"]
    ('Mug|+01.45|+00.91|-01.23', {'x': 1.45, 'y': 0.91, 'z': -1.23}, True)
    """
    mapping = mapping or _default_mapping()
    materials = {ours: theirs for theirs, ours in reversed(mapping.materials.items())}
    ids = {n.id: _thor_id(n) for n in scene.of_kind("object")}
    return [_thor_object(scene, n, ids, materials) for n in scene.of_kind("object")]


def _thor_id(node) -> str:
    if "thor_id" in node.attributes:
        return str(node.attributes["thor_id"])
    x, y, z = node.position or (0.0, 0.0, 0.0)
    return f"{_thor_type(node)}|{x:+.2f}|{z:+.2f}|{y:+.2f}"


def _thor_type(node) -> str:
    if "thor_id" in node.attributes:
        parts = str(node.attributes["thor_id"]).split("|")
        return parts[-1] if len(parts) > 4 else parts[0]  # "Sink|x|y|z|SinkBasin": the part's own type
    return "".join(part.capitalize() for part in node.cls.split("_"))


def _thor_object(scene: SceneGraph, node, ids: dict[str, str], materials: dict[str, str]) -> dict:
    x, y, z = node.position or (0.0, 0.0, 0.0)
    parents = sorted(ids[p] for p in scene.related(node.id, "on") | scene.related(node.id, "in") if p in ids)
    out = {"objectId": ids[node.id], "objectType": _thor_type(node), "position": {"x": x, "y": z, "z": y},
           "parentReceptacles": parents or None}
    out |= {flag: ours in node.affordances for flag, ours in _AFFORDANCES.items()}
    if node.affordances & {"openable"}:
        out["isOpen"] = bool(node.states.get("open"))
    if node.affordances & {"toggleable"}:
        out["isToggled"] = bool(node.states.get("on"))
    material = node.attributes.get("material")
    if material in materials:
        out["salientMaterials"] = [materials[material]]
    return out


def export_scene(scene: SceneGraph, path: str | Path) -> None:
    """Write `scene` in the project's format, as JSON (`.json`) or YAML (anything else), atomically."""
    data = scene.to_dict()
    if str(path).endswith(".json"):
        text = json.dumps(data, indent=1)
    else:
        text = yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=120)
    write_atomic(path, text)
