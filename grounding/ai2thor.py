"""AI2-THOR object metadata in and out (`import_ai2thor`, `load_ai2thor`, `export_ai2thor`), and the project's scene
format out (`export_scene`)."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from decoding.files import SafeYamlDumper, write_atomic

from .errors import SceneError
from .lexicon import default_lexicon_path
from .scene import SceneGraph
from .sources import load_data, load_model, located

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["ThorMapping", "default_mapping", "import_ai2thor", "load_ai2thor", "ai2thor_scene", "is_ai2thor",
           "export_ai2thor", "export_scene", "slug", "snake_case"]

_AFFORDANCES = {"pickupable": "pickable", "openable": "openable", "toggleable": "toggleable",
                "receptacle": "receptacle", "sliceable": "sliceable", "moveable": "movable"}
# THOR's flag that an object can be in a state -> (the flag of the state, the key of the scene's `states`)
_STATES = {"openable": ("isOpen", "open"), "toggleable": ("isToggled", "on"), "dirtyable": ("isDirty", "dirty"),
           "sliceable": ("isSliced", "sliced"), "canFillWithLiquid": ("isFilledWithLiquid", "filled")}
# pydantic's error type -> what the field should hold, in the words of the file
_EXPECTED = {"string_type": "a string", "string_too_short": "a non-empty string", "float_type": "a number",
             "finite_number": "a finite number", "bool_type": "true or false", "list_type": "a list or null",
             "model_type": "a mapping with numbers x, y and z"}   # (position is the one nested mapping)
_HEIGHT_TOLERANCE = 0.05   # metres: a receptacle's centre this much above an object's may still hold it
_WRAPPED = ("a list of objects, a mapping with `objects: [...]`, an event's `metadata: {objects: [...]}` or a list of "
            "one such event")


class ThorMapping(BaseModel):
    """How THOR types, names, containers, materials and floor plans map to the project's vocabulary
    (data/lexicon/ai2thor.yaml)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    classes: dict[str, str] = {}
    names: dict[str, str] = {}
    containers: frozenset[str] = frozenset()
    materials: dict[str, str] = {}
    skip_parents: frozenset[str] = frozenset()
    rooms: tuple[str, ...] = ()
    floor_plans: dict[int, str] = {}

    @classmethod
    def load(cls, path: str | Path) -> ThorMapping:
        return load_model(cls, path, SceneError)


class _Position(BaseModel):
    model_config = ConfigDict(strict=True)
    x: float = Field(allow_inf_nan=False)
    y: float = Field(allow_inf_nan=False)   # up
    z: float = Field(allow_inf_nan=False)


class _ThorObject(BaseModel):
    """The fields of one AI2-THOR object the importer reads, under THOR's names; the others pass unread. Strict: the
    string "false" is no boolean, "1" no number."""

    model_config = ConfigDict(strict=True, frozen=True)
    objectId: str = Field(min_length=1)
    objectType: str = Field(min_length=1)
    position: _Position
    parentReceptacles: list[str] | None = None
    receptacleObjectIds: list[str] | None = None
    salientMaterials: list[str] | None = None
    fillLiquid: str | None = None
    pickupable: bool = False
    openable: bool = False
    toggleable: bool = False
    receptacle: bool = False
    sliceable: bool = False
    moveable: bool = False
    dirtyable: bool = False
    canFillWithLiquid: bool = False
    isOpen: bool = False
    isToggled: bool = False
    isDirty: bool = False
    isSliced: bool = False
    isFilledWithLiquid: bool = False


@lru_cache(maxsize=1)
def default_mapping() -> ThorMapping:
    """The mapping shipped in data/lexicon/ai2thor.yaml (read once)."""
    return ThorMapping.load(default_lexicon_path().with_name("ai2thor.yaml"))


def snake_case(name: str) -> str:
    """A THOR type name or a CamelCase word in snake_case: CoffeeTable -> coffee_table."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def slug(name: str) -> str:
    """Words in lower case joined by "_" ("Living room" -> living_room); "" when there are none."""
    return "_".join(re.findall(r"[^\W_]+", name.lower()))


def _type_of(object_id: str) -> str:
    return object_id.split("|")[0]


def import_ai2thor(data: object, room: str = "room", source: str = "<ai2thor>",
                   mapping: ThorMapping | None = None) -> dict:
    """The project's scene dict (formats.md section 3) for AI2-THOR's `event.metadata["objects"]`, given as the list,
    as `{"objects": [...]}` or as the event's metadata saved whole (`{"metadata": {"objects": [...]}}`).

    One floor plan is one room (THOR has no rooms): `room` names it, and its id is the name in snake_case. Positions
    become (x, z, y): the project's z is up. A field of the wrong type raises `SceneError` naming `source`, the
    object's index and objectId, and the field.

    Examples
    --------
    >>> scene = import_ai2thor([{"objectId": "Mug|+01.45|+00.91|-01.23", "objectType": "Mug",
    ...     "position": {"x": 1.45, "y": 0.91, "z": -1.23}, "pickupable": True}], room="living room")
    >>> scene["objects"][0]["id"], scene["objects"][0]["class"], scene["objects"][0]["position"]
    ('mug_1', 'cup', [1.45, -1.23, 0.91])
    >>> scene["rooms"]
    [{'id': 'living_room', 'name': 'living room'}]
    """
    mapping = mapping or default_mapping()
    listed = _listed(data, source)
    objects = [_validated(o, i, listed, source) for i, o in enumerate(listed)]
    ids = _node_ids(objects, listed, source)
    room_id = slug(room) or "room"
    nodes = [_object(o, ids, room_id, mapping) for o in objects]
    agent = {"room": room_id} | ({"position": here} if (here := _agent_position(data)) else {})
    return {"name": room_id, "agent": agent, "rooms": [{"id": room_id, "name": room.replace("_", " ")}],
            "objects": nodes, "relations": _relations(objects, ids, mapping)}


def _agent_position(data: object) -> list[float] | None:
    """Where an event's metadata puts the agent (`metadata.agent.position`), as (x, z, y) like the objects; None
    for bare objects or a position that is not three numbers."""
    metadata = data.get("metadata") if isinstance(data, dict) else None
    agent = metadata.get("agent") if isinstance(metadata, dict) else None
    at = agent.get("position") if isinstance(agent, dict) else None
    xyz = [at.get(k) for k in "xzy"] if isinstance(at, dict) else []
    return [float(v) for v in xyz] if len(xyz) == 3 and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in xyz) else None


def is_ai2thor(data: object) -> bool:
    """Whether decoded file data is AI2-THOR metadata: an event's `metadata`, or objects with an `objectId` (a list,
    or under `objects:`), or a list of such events (a recorded episode)."""
    if _is_episode(data):
        return True
    if isinstance(data, dict) and _is_event(data):
        return True
    return isinstance(data, list) and any(isinstance(o, dict) and "objectId" in o for o in data)


def _is_episode(data: object) -> bool:
    """A list of THOR events (a recorded episode, or one event in a list)."""
    return isinstance(data, list) and bool(data) and all(isinstance(e, dict) and _is_event(e) for e in data)


def _is_event(data: dict) -> bool:
    metadata = data.get("metadata")
    if isinstance(metadata, dict) and "objects" in metadata:
        return True   # an event's metadata saved whole, even with no objects
    objects = data.get("objects")
    return isinstance(objects, list) and any(isinstance(o, dict) and "objectId" in o for o in objects)


def _one_event(data: object, source: str) -> object:
    """`data`, or the one event of a list of events; several events are several states of the world, and which
    one the robot is in is the caller's to say."""
    if not _is_episode(data):
        return data
    if len(data) > 1:
        raise SceneError(f"{source}: a list of {len(data)} AI2-THOR events (an episode), not one state of the "
                         "world: save the metadata of the one to ground in (for the last state, "
                         "events[-1].metadata)")
    return data[0]


def _listed(data: object, source: str) -> list:
    """The object list of THOR metadata saved bare, as `{objects: [...]}` or as an event's `{metadata: {...}}`."""
    data = _one_event(data, source)
    if isinstance(data, dict) and isinstance(data.get("metadata"), dict):
        data = data["metadata"]
    if isinstance(data, dict) and isinstance(data.get("objects"), list):
        data = data["objects"]
    if not isinstance(data, list):
        raise SceneError(f"{located(source, data)}: expected AI2-THOR object metadata ({_WRAPPED}), got {_shown(data)}")
    return data


def _shown(value: object) -> str:
    """`value` briefly, as a file writes it: null, true, "false", 7, a list, a mapping with keys a, b."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return f"a mapping with keys {', '.join(map(str, list(value)[:6]))}" if value else "an empty mapping"
    text = json.dumps(value, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _validated(o: object, i: int, listed: list, source: str) -> _ThorObject:
    try:
        return _ThorObject.model_validate(o)
    except ValidationError as err:
        first = err.errors()[0]
        object_id = o.get("objectId") if isinstance(o, dict) else None
        named = f" ({object_id})" if isinstance(object_id, str) and object_id else ""
        raise SceneError(f"{located(source, listed, [i, *first['loc']])}: object {i}{named}: {_problem(first)}"
                         ) from err


def _problem(error: dict) -> str:
    field = ".".join(str(step) for step in error["loc"])
    if not field:
        return f"expected a mapping with objectId, objectType and position, got {_shown(error['input'])}"
    if error["type"] == "missing":
        return f"missing {field}"
    return f"field {field}: expected {_EXPECTED.get(error['type'], error['msg'])}, got {_shown(error['input'])}"


def _node_ids(objects: list[_ThorObject], listed: list, source: str) -> dict[str, str]:
    counts: Counter = Counter()
    ids = {}
    for i, o in enumerate(objects):
        if o.objectId in ids:
            raise SceneError(f"{located(source, listed, [i, 'objectId'])}: object {i}: duplicate objectId "
                             f"{o.objectId!r}")
        stem = snake_case(o.objectType)
        counts[stem] += 1
        ids[o.objectId] = f"{stem}_{counts[stem]}"
    return ids


def _object(o: _ThorObject, ids: dict[str, str], room: str, mapping: ThorMapping) -> dict:
    kind, p = o.objectType, o.position
    name = mapping.names.get(kind, snake_case(kind).replace("_", " "))
    node = {"id": ids[o.objectId], "class": mapping.classes.get(kind, snake_case(kind)), "name": name, "room": room,
            "position": [round(p.x, 3), round(p.z, 3), round(p.y, 3)],
            "attributes": {"thor_id": o.objectId} | _attributes(o, mapping),
            "affordances": [a for flag, a in _AFFORDANCES.items() if getattr(o, flag)]}
    if "contents" in node["attributes"]:
        # named for what it holds, as a map names a wine bottle: "the mug of coffee" is the "coffee mug"
        node["aliases"] = [f"{node['attributes']['contents']} {name}"]
    states = {key: getattr(o, flag) for able, (flag, key) in _STATES.items() if getattr(o, able)}
    if states:
        node["states"] = states
    return node


def _attributes(o: _ThorObject, mapping: ThorMapping) -> dict:
    """The material people name, and what a filled object holds (`contents`, "the mug of coffee")."""
    material = next((mapping.materials[m] for m in o.salientMaterials or () if m in mapping.materials), None)
    liquid = o.fillLiquid.lower() if o.isFilledWithLiquid and o.fillLiquid else None
    return {key: value for key, value in (("material", material), ("contents", liquid)) if value}


def _relations(objects: list[_ThorObject], ids: dict[str, str], mapping: ThorMapping) -> list[dict]:
    """`in` / `on` to each object's most specific receptacle (`_parent`), `part_of` from compound ids."""
    import networkx as nx  # here: parsing alone never needs it (start-up)

    graph, out = nx.DiGraph(), []
    for o in objects:
        whole = _whole(o.objectId)
        if whole in ids:
            out.append({"subject": ids[o.objectId], "predicate": "part_of", "object": ids[whole]})
            graph.add_edge(ids[o.objectId], ids[whole])
    supports = _supports(objects, ids)
    heights = {o.objectId: o.position.y for o in objects}
    for o in objects:
        parent = _parent(o, supports, heights, mapping)
        if parent is None:
            continue
        child, target = ids[o.objectId], ids[parent]
        if graph.has_node(target) and graph.has_node(child) and nx.has_path(graph, target, child):
            continue  # THOR states containment both ways; keep the edges that form no cycle
        predicate = "in" if _type_of(parent) in mapping.containers else "on"
        out.append({"subject": child, "predicate": predicate, "object": target})
        graph.add_edge(child, target)
    return out


def _whole(object_id: str) -> str | None:
    """The object a part belongs to: "Sink|x|y|z" for "Sink|x|y|z|SinkBasin"; None for a whole."""
    parts = object_id.split("|")
    return "|".join(parts[:4]) if len(parts) > 4 else None


def _supports(objects: list[_ThorObject], ids: dict[str, str]) -> nx.DiGraph:
    """A graph of every known objectId, with an edge to what each rests on, is in or is part of, as THOR states it
    either way round: parentReceptacles, the others' receptacleObjectIds, compound ids."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(ids)
    for o in objects:
        graph.add_edges_from((o.objectId, p) for p in o.parentReceptacles or () if p in ids)
        graph.add_edges_from((child, o.objectId) for child in o.receptacleObjectIds or () if child in ids)
        if _whole(o.objectId) in ids:
            graph.add_edge(o.objectId, _whole(o.objectId))
    return graph


def _parent(o: _ThorObject, supports: nx.DiGraph, heights: dict[str, float], mapping: ThorMapping) -> str | None:
    """The receptacle `o` is on or in. Of its parentReceptacles (else of the objects listing it among their
    receptacleObjectIds), the most specific: the one no other of them rests on or in (a SinkBasin before its Sink
    and the CounterTop, a CoffeeMachine before the CounterTop), whatever their order; if several remain, the nearest
    in height, one whose centre is not above the object's first."""
    import networkx as nx

    def usable(candidates) -> list[str]:
        return [p for p in candidates if p in supports and p != o.objectId and _type_of(p) not in mapping.skip_parents]

    holders = (p for p in supports.successors(o.objectId) if p != _whole(o.objectId))
    parents = usable(o.parentReceptacles or ()) or usable(holders)
    below = {p: nx.descendants(supports, p) for p in parents}
    specific = [p for p in parents if not any(p in below[q] for q in parents if q != p)]
    # several unrelated ones left: the nearest in height, below the object's centre before above it
    y = o.position.y + _HEIGHT_TOLERANCE
    return max(specific or parents, key=lambda p: (heights[p] <= y, -abs(heights[p] - y), p), default=None)


def load_ai2thor(path: str | Path, room: str | None = None) -> SceneGraph:
    """A `SceneGraph` from a JSON or YAML file of AI2-THOR objects. `room` names the floor plan's one room; by default
    it is the room word of the file name ("FloorPlan6_kitchen_objects.json": kitchen), else the room of the iTHOR
    floor plan its name or `sceneName` gives (FloorPlan201: living room), else the file name, with a warning in
    `SceneGraph.warnings`."""
    return ai2thor_scene(load_data(path, SceneError), path, room)


def ai2thor_scene(data: object, path: str | Path, room: str | None = None) -> SceneGraph:
    """`load_ai2thor` on the decoded content of the file at `path` (read once by a caller that looked at it)."""
    data, warning = _one_event(data, str(path)), None
    if room is None:
        room, warning = _room_of(Path(path), data, default_mapping())
    scene = SceneGraph.from_dict(import_ai2thor(data, room=room, source=str(path)), source=str(path))
    scene.warnings = (*([warning] if warning else []), *_unknown_parents(data, str(path)), *scene.warnings)
    return scene


def _unknown_parents(data: object, source: str) -> list[str]:
    """One warning naming the objects all of whose parentReceptacles are missing from the file (a filtered dump):
    they stand where their positions put them, on or in nothing."""
    listed = _listed(data, source)
    known = {o.get("objectId") for o in listed}
    lost = [f"{i} ({o['objectId']})" for i, o in enumerate(listed)
            if (parents := [p for p in o.get("parentReceptacles") or () if isinstance(p, str)])
            and not known.intersection(parents)]
    if not lost:
        return []
    named = ", ".join(lost[:3]) + (f" and {len(lost) - 3} more" if len(lost) > 3 else "")
    s = "s" if len(lost) > 1 else ""
    return [f"{source}: the parentReceptacles of {len(lost)} object{s} are not in the file (object{s} {named}), so "
            "they are on or in nothing; was the dump filtered?"]


def _room_of(path: Path, data: object, mapping: ThorMapping) -> tuple[str, str | None]:
    """The room a THOR file shows (see `load_ai2thor`), and a warning when only its file name names it."""
    words = f" {' '.join(re.findall(r'[a-z]+|[0-9]+', snake_case(path.stem)))} "   # "kitchen2": kitchen 2
    named = [r for r in mapping.rooms if f" {r} " in words]
    if named:
        return max(named, key=len), None
    metadata = data.get("metadata") if isinstance(data, dict) else None
    scene_name = metadata.get("sceneName") if isinstance(metadata, dict) else None
    for name in (path.stem, scene_name):
        plan = re.search(r"floor_?plan_?(\d+)", str(name), re.IGNORECASE)
        number = int(plan.group(1)) if plan else 0
        if 1 <= number % 100 <= 30 and number // 100 in mapping.floor_plans:
            return mapping.floor_plans[number // 100], None
    room = path.stem.removesuffix("_objects")
    return room, (f"{path}: the room is named {room!r} after the file, whose name gives no room word and no iTHOR "
                  "floor plan number: name it with `--room NAME` (e.g. --room kitchen)")


def export_ai2thor(scene: SceneGraph, mapping: ThorMapping | None = None) -> list[dict]:
    """The scene's objects as AI2-THOR object metadata (what `import_ai2thor` reads), e.g. after a simulated plan.

    Objects keep the `objectId` they were imported with (attribute `thor_id`); others get one from their type and
    position. `parentReceptacles` come from the on / in relations, the flags from the affordances, `isOpen`,
    `isToggled`, `isDirty`, `isSliced` and `isFilledWithLiquid` from the states, `fillLiquid` from `contents`.

    Examples
    --------
    >>> objects = [{"objectId": "Mug|+01.45|+00.91|-01.23", "objectType": "Mug", "pickupable": True,
    ...             "position": {"x": 1.45, "y": 0.91, "z": -1.23}}]
    >>> back = export_ai2thor(SceneGraph.from_dict(import_ai2thor(objects)))
    >>> back[0]["objectId"], back[0]["position"], back[0]["pickupable"]
    ('Mug|+01.45|+00.91|-01.23', {'x': 1.45, 'y': 0.91, 'z': -1.23}, True)
    """
    mapping = mapping or default_mapping()
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
    for able, (flag, key) in _STATES.items():
        if out.get(able, key in node.states):   # an affordance's flag, else (dirtyable ...) a state recorded
            out[able], out[flag] = True, bool(node.states.get(key))
    if "contents" in node.attributes and node.states.get("filled") is not False:
        # what THOR reads back: the liquid of a filled object (a map's glass of water states no `filled`)
        out |= {"canFillWithLiquid": True, "isFilledWithLiquid": True, "fillLiquid": str(node.attributes["contents"])}
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
        text = yaml.dump(data, Dumper=SafeYamlDumper, sort_keys=False, default_flow_style=None, width=120)
    write_atomic(path, text)
