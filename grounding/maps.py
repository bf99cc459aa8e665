"""Robot maps in: a plain JSON / YAML map of objects with a class and a position, or AI2-THOR object metadata, as a
scene in the project's format (`import_map`, `import_map_file`)."""

from __future__ import annotations

import math
from collections import Counter
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from .affordances import default_affordances
from .ai2thor import ai2thor_scene, default_mapping, export_scene, is_ai2thor, slug, snake_case
from .errors import SceneError
from .lexicon import default_lexicon, default_lexicon_path
from .scene import DEFAULT_NEAR_THRESHOLD, SceneGraph
from .sources import LocatedDict, load_data, load_model, located

__all__ = ["import_map", "load_map", "load_scene", "import_map_file", "MAP_KINDS"]

MAP_KINDS = ("auto", "map", "ai2thor")   # auto: AI2-THOR when the objects have an objectId (`is_ai2thor`)
# what a perception stack attaches to a detection and a scene does not hold: dropped on import
DETECTION_KEYS = frozenset({"confidence", "score", "bbox", "bbox_2d", "bbox_3d", "bounding_box", "track_id",
                            "timestamp", "mask"})
# what a ROS-style export puts around the whole map (a message header): dropped on import
HEADER_KEYS = frozenset({"header", "frame_id", "stamp", "seq", "timestamp"})


def import_map(data: object, source: str = "<map>", room: str | None = None) -> dict:
    """The scene dict (formats.md section 3) of a plain map: `{objects: [...], rooms: [...]}` or a bare list of
    objects, each with a `class` and optionally `id`, `name`, `aliases`, `position` ([x, y] or [x, y, z]), `room`,
    `attributes`, `states`, `affordances`; a detection's own fields (`DETECTION_KEYS`: confidence, bbox, track_id...)
    and a message header around the map (`HEADER_KEYS`: header, frame_id, stamp...) are dropped.

    Classes are put in the project's words (`Refrigerator`, `CoffeeTable`, `cell phone` and `mug` become fridge,
    table, cellphone and cup), the word given staying the object's name when it has none; a class the project
    does not know, or one the map's own `affordances:` section names, stays as written. Objects without an id get
    `<class>_<n>`; rooms without an id get one from their name. `room` makes a map that declares no rooms one room
    holding the robot and every object that states none. A map rarely states what stands on what, so an object
    that can be picked up, stated on or in nothing, stands `on` the surface below it within the map's
    `near_threshold` horizontally, the nearest one (`_place_on_surfaces`; a surface: a receptacle that neither
    opens, as a position cannot tell its inside from its top, nor is carried). Nothing else is added: rooms come
    from areas, affordances from the class defaults, when loaded.

    Examples
    --------
    >>> scene = import_map([{"class": "Refrigerator", "position": [1.0, 2.0]}, {"class": "cup"}], room="kitchen")
    >>> [(o["id"], o["class"], o.get("name"), o["room"]) for o in scene["objects"]]
    [('fridge_1', 'fridge', 'refrigerator', 'kitchen'), ('cup_1', 'cup', None, 'kitchen')]
    """
    if isinstance(data, list):
        data = _wrapped(data)
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise SceneError(f"{source}: expected a list of objects or a mapping with `objects: [...]`")
    for declared in data.get("rooms") or ():
        if isinstance(declared, dict) and "id" not in declared and isinstance(declared.get("name"), str):
            declared["id"] = slug(declared["name"]) or "room"
    for key in HEADER_KEYS & set(data):
        del data[key]
    _check_classes(data["objects"], source)
    boxes = {id(o): box for o in data["objects"] if isinstance(o, dict) and (box := _box(o))}
    for o in data["objects"]:
        for key in DETECTION_KEYS & set(o):
            del o[key]
    own = data.get("affordances") if isinstance(data.get("affordances"), dict) else {}
    for o in data["objects"]:
        _use_project_class(o, own)
    if room:
        _one_room(data, room, source)
    _name_objects(data["objects"])
    _place_on_surfaces(data, own, boxes)
    return data


Box = tuple[tuple[float, float, float], tuple[float, float, float]]   # (min corner, max corner)


def _box(o: dict) -> Box | None:
    """A detection's 3D box, `{min: [x, y, z], max: [x, y, z]}` under `bbox_3d`, `bbox` or `bounding_box`; None when
    there is none in that form."""
    for key in ("bbox_3d", "bbox", "bounding_box"):
        box = o.get(key)
        corners = [box.get(k) for k in ("min", "max")] if isinstance(box, dict) else []
        if len(corners) == 2 and all(isinstance(c, list) and len(c) == 3 and all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in c)
                for c in corners):
            low, high = (tuple(map(float, c)) for c in corners)
            if all(a <= b for a, b in zip(low, high, strict=True)):
                return low, high
    return None


def _place_on_surfaces(data: dict, own: dict, boxes: dict[int, Box]) -> None:
    """Add `x on s` for each pickable object `x` that no relation puts on or in anything, whose position has a
    height, and that has surfaces below it (at most `_SURFACE_BELOW` m) within the near threshold horizontally: `s`
    is the nearest across the floor of those within 10 cm of the highest one. A surface is furniture: a
    receptacle that neither opens nor is carried (a mug is on the table, not on the mug beside it). ("the mug on
    the coffee table" in a map that gives positions only.) A surface with a 3D box (`boxes`, by `id()` of the
    object) is below what stands over its footprint, its height the box's top: a 4 m counter holds the mugs at its
    ends, and a sink beside them does not.
    Runs before validation: a field of the wrong type is left for it to name."""
    table, lexicon = default_affordances(), default_lexicon()

    def affordances(o: dict) -> set[str]:
        """What the object can do, with what that implies (`supports`: a receptacle)."""
        given = o.get("affordances")
        given = given if isinstance(given, list) else own.get(o["class"]) or table.classes.get(o["class"], ())
        named = tuple(a for a in given if isinstance(a, str)) if isinstance(given, list | tuple) else ()
        return set(lexicon.implied_affordances(named))

    def point(o: dict) -> tuple[float, ...] | None:
        p = o.get("position")
        ok = isinstance(p, list) and len(p) == 3 and all(isinstance(v, int | float) and not isinstance(v, bool)
                                                          and math.isfinite(v) for v in p)
        return tuple(map(float, p)) if ok else None

    relations = data.get("relations") if isinstance(data.get("relations"), list) else []
    placed = {r.get("subject") for r in relations
              if isinstance(r, dict) and isinstance(r.get("subject"), str) and r.get("predicate") in ("on", "in")}
    reach = data.get("near_threshold", DEFAULT_NEAR_THRESHOLD)
    reach = reach if isinstance(reach, int | float) and not isinstance(reach, bool) else DEFAULT_NEAR_THRESHOLD
    objects = [(o, point(o), affordances(o)) for o in data["objects"] if isinstance(o.get("id"), str)]
    surfaces = [(o, p) for o, p, able in objects if p and "receptacle" in able and not able & {"openable", "pickable"}]

    def under(s: dict, p: tuple[float, ...], at: tuple[float, ...]) -> tuple[float, float] | None:
        """(height, distance across the floor) of surface `s` at `p` below a thing at `at`, or None."""
        box = boxes.get(id(s))
        if box is None:
            near = math.dist(at[:2], p[:2])
            return (p[2], near) if 0 < at[2] - p[2] <= _SURFACE_BELOW and near <= reach else None
        (x0, y0, _), (x1, y1, top) = box
        inside = x0 - _MARGIN <= at[0] <= x1 + _MARGIN and y0 - _MARGIN <= at[1] <= y1 + _MARGIN
        return (top, math.dist(at[:2], p[:2])) if inside and -_MARGIN < at[2] - top <= _SURFACE_BELOW else None

    added = []
    for o, at, able in objects:
        if at is None or o["id"] in placed or "pickable" not in able:
            continue
        below = [(*found, s["id"]) for s, p in surfaces
                 if s.get("room") == o.get("room") and (found := under(s, p, at)) is not None]
        if below:
            # the surfaces right below (within 10 cm of the highest: a mug at table height is on the table, not on
            # the lower chair beside it), of them the nearest across the floor
            top = max(height for height, _, _ in below)
            added.append({"subject": o["id"], "predicate": "on",
                          "object": min((d, i) for height, d, i in below if height >= top - 0.1)[1]})
    if added:
        data["relations"] = [*relations, *added]


_SURFACE_BELOW = 1.5   # metres: the most an object stands above the position of the surface it is put on
_MARGIN = 0.05         # metres: how far a thing on a boxed surface may stand past the box (a detector's slack)


def _wrapped(objects: list) -> LocatedDict:
    """A bare list of objects as `{objects: [...]}`, keeping the list's line numbers."""
    out = LocatedDict(objects=objects)
    out.line, out.key_lines = getattr(objects, "line", None), {"objects": getattr(objects, "line", None)}
    return out


def _check_classes(objects: list, source: str) -> None:
    """Every object is a mapping with a class that is a word, not missing, empty or blank."""
    for i, o in enumerate(objects):
        if not isinstance(o, dict) or not isinstance(o.get("class"), str) or not o["class"].strip():
            given = f", not {o['class']!r}" if isinstance(o, dict) and "class" in o else ""
            raise SceneError(f"{located(source, objects, [i])}: objects[{i}]: give each object a `class` (a word "
                             f"such as cup or table){given}")


class _MapLabels(BaseModel):
    """data/lexicon/map_labels.yaml: class words of maps and detectors -> the project's class they name exactly."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    labels: dict[str, str]


@lru_cache(maxsize=1)
def _project_classes() -> dict[str, str]:
    """A word in snake_case -> the project's class: AI2-THOR's type names (CoffeeTable: table), the labels of maps
    and detectors (refrigerator: fridge), then the classes of the default-affordance table as they are (a later
    source wins: desk is a class of its own there, though THOR's Desk is a table). A class written exactly as a
    THOR type name ("Desk") is looked up in the AI2-THOR mapping before this table (`_use_project_class`)."""
    table = default_affordances()
    labels = load_model(_MapLabels, default_lexicon_path().with_name("map_labels.yaml"), SceneError).labels
    unknown = sorted(f"{k}: {v}" for k, v in labels.items() if v not in table.classes)
    if unknown:
        raise SceneError(f"map_labels.yaml: not classes of the affordance table: {', '.join(unknown)}")
    known = {slug(snake_case(kind)): cls for kind, cls in default_mapping().classes.items()}
    return known | labels | {cls: cls for cls in table.classes}


def _use_project_class(o: dict, own: dict) -> None:
    """Give `o` the project's class for its `class`, the word given staying its name ("the refrigerator"). An
    AI2-THOR type name as THOR writes it (KeyChain, Desk) takes the class the AI2-THOR importer gives it."""
    if o["class"] in own:
        return
    word = slug(snake_case(o["class"]))
    known = _project_classes()
    cls = default_mapping().classes.get(o["class"]) or known.get(word) or known.get(_singular(word))
    if cls is None:
        return
    o["class"] = cls
    if cls != word and o.get("name") is None:
        o["name"] = word.replace("_", " ")


def _singular(word: str) -> str:
    """A detector's plural label in the singular ("keys": key, "boxes": box), or the word as it is when the lexicon
    does not read it as a plural ("glasses", "pants", "clothes") or it is not one word."""
    if "_" in word or not default_lexicon().plural(word):
        return word
    return word[:-2] if word.endswith(("ches", "shes", "sses", "xes", "zes")) else word[:-1]


def _one_room(data: dict, room: str, source: str) -> None:
    """Make the map, which must declare no rooms, the one room `room`, holding the robot and every object that
    states no room (people that state none are where the robot is)."""
    if data.get("rooms"):
        ids = ", ".join(str(r.get("id")) for r in data["rooms"] if isinstance(r, dict))
        raise SceneError(f"{source}: the map declares its rooms ({ids}), so the room {room!r} given for the whole "
                         "map does not apply: state each object's `room:` or place it in a room's `area:`")
    room_id = slug(room) or "room"   # "living room": living_room, as the ids of rooms given by name
    data["rooms"] = [{"id": room_id, "name": room}]
    for holder in [*data["objects"], data.setdefault("agent", {})]:
        if isinstance(holder, dict) and holder.get("room") is None:
            holder["room"] = room_id


def _name_objects(objects: list) -> None:
    taken = {o["id"] for o in objects if "id" in o}
    counts: Counter = Counter()
    for o in objects:
        if "id" in o:
            continue
        stem = slug(o["class"]) or "x"
        while True:
            counts[stem] += 1
            if f"{stem}_{counts[stem]}" not in taken:
                break
        o["id"] = f"{stem}_{counts[stem]}"
        taken.add(o["id"])


def load_map(path: str | Path, kind: str = "auto", room: str | None = None) -> SceneGraph:
    """A validated `SceneGraph` from a map file of `kind` (see `MAP_KINDS`); `room` names the one room of an AI2-THOR
    floor plan (default: from the file name) or of a plain map that declares no rooms (default: no room). Errors
    name the file, the object and the problem."""
    if kind not in MAP_KINDS:
        raise ValueError(f"unknown map kind {kind!r}; known: {', '.join(MAP_KINDS)}")
    return _map_scene(load_data(path, SceneError), path, kind, room)


def _map_scene(data: object, path: str | Path, kind: str = "auto", room: str | None = None) -> SceneGraph:
    if kind == "ai2thor" or (kind == "auto" and is_ai2thor(data)):
        return ai2thor_scene(data, path, room)
    return SceneGraph.from_dict(import_map(data, str(path), room), source=str(path))


def load_scene(path: str | Path) -> SceneGraph:
    """A scene file (formats.md section 3), or a robot map read as `tage data import-map` reads it (AI2-THOR
    metadata, a bare list of objects, or `{objects, rooms}` whose objects have no ids) with a warning saying so: a
    robot's map file works where a scene does."""
    data = load_data(path, SceneError)
    if not (is_ai2thor(data) or isinstance(data, list) or _plain_map(data)):
        return SceneGraph.from_dict(data, source=str(path))
    scene = _map_scene(data, path)
    scene.warnings = (f"{path}: read as a robot map, not a scene (`tage data import-map {path} -o SCENE.yaml` "
                      "writes it as one, to check or edit)", *scene.warnings)
    return scene


def _plain_map(data: object) -> bool:
    """A plain map as a mapping: `objects`, none of which has an id (a scene names every object: one that names
    some is a scene with a mistake, for validation to point at)."""
    objects = data.get("objects") if isinstance(data, dict) else None
    return bool(objects) and isinstance(objects, list) and all(isinstance(o, dict) and "id" not in o for o in objects)


def import_map_file(path: str | Path, out: str | Path, kind: str = "auto", room: str | None = None) -> SceneGraph:
    """Read a map (`load_map`) and write it as a scene file (YAML, or JSON for `.json`), atomically.

    Examples
    --------
    >>> import tempfile, os, json
    >>> folder = tempfile.mkdtemp(); src = os.path.join(folder, "map.json")
    >>> _ = open(src, "w").write(json.dumps({"objects": [{"class": "glass", "position": [0.5, 1.0, 0.8]}]}))
    >>> scene = import_map_file(src, os.path.join(folder, "scene.yaml"))
    >>> sorted(scene["glass_1"].affordances)
    ['pickable', 'receptacle']
    """
    scene = load_map(path, kind, room)
    export_scene(scene, out)
    return scene
