"""Robot maps in: a plain JSON / YAML map of objects with a class and a position, or AI2-THOR object metadata, as a
scene in the project's format (`import_map`, `import_map_file`)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from .ai2thor import export_scene, load_ai2thor
from .errors import SceneError
from .scene import SceneGraph
from .sources import LocatedDict, load_data

__all__ = ["import_map", "load_map", "import_map_file", "MAP_KINDS"]

MAP_KINDS = ("auto", "map", "ai2thor")   # auto: AI2-THOR when the file is a list of objects with an objectId


def import_map(data: object, source: str = "<map>") -> dict:
    """The scene dict (formats.md section 3) of a plain map: `{objects: [...], rooms: [...]}` or a bare list of
    objects, each with a `class` and optionally `id`, `name`, `aliases`, `position` ([x, y] or [x, y, z]), `room`,
    `attributes`, `states`, `affordances`. Objects without an id get `<class>_<n>`; rooms without an id get one from
    their name. Nothing else is added: rooms come from areas, affordances from the class defaults, when loaded.

    Examples
    --------
    >>> scene = import_map([{"class": "cup", "name": "mug", "position": [1.0, 2.0]}, {"class": "cup"}])
    >>> [o["id"] for o in scene["objects"]]
    ['cup_1', 'cup_2']
    """
    if isinstance(data, list):
        data = _wrapped(data)
    if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
        raise SceneError(f"{source}: expected a list of objects or a mapping with `objects: [...]`")
    for room in data.get("rooms") or ():
        if isinstance(room, dict) and "id" not in room and isinstance(room.get("name"), str):
            room["id"] = _slug(room["name"])
    _name_objects(data["objects"], source)
    return data


def _wrapped(objects: list) -> LocatedDict:
    """A bare list of objects as `{objects: [...]}`, keeping the list's line numbers."""
    out = LocatedDict(objects=objects)
    out.line, out.key_lines = getattr(objects, "line", None), {"objects": getattr(objects, "line", None)}
    return out


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "x"


def _name_objects(objects: list, source: str) -> None:
    taken = {o["id"] for o in objects if isinstance(o, dict) and "id" in o}
    counts: Counter = Counter()
    for i, o in enumerate(objects):
        if not isinstance(o, dict) or not isinstance(o.get("class"), str) or not o["class"]:
            raise SceneError(f"{source}: objects[{i}]: give each object a `class` (a word such as cup or table)")
        if "id" in o:
            continue
        stem = _slug(o["class"])
        while True:
            counts[stem] += 1
            if f"{stem}_{counts[stem]}" not in taken:
                break
        o["id"] = f"{stem}_{counts[stem]}"
        taken.add(o["id"])


def load_map(path: str | Path, kind: str = "auto", room: str | None = None) -> SceneGraph:
    """A validated `SceneGraph` from a map file of `kind` (see `MAP_KINDS`); `room` names an AI2-THOR floor plan's
    one room (default: from the file name). Errors name the file, the object and the problem."""
    if kind not in MAP_KINDS:
        raise ValueError(f"unknown map kind {kind!r}; known: {', '.join(MAP_KINDS)}")
    data = load_data(path, SceneError)
    if kind == "ai2thor" or (kind == "auto" and _is_thor(data)):
        return load_ai2thor(path, room)
    return SceneGraph.from_dict(import_map(data, str(path)), source=str(path))


def _is_thor(data: object) -> bool:
    return isinstance(data, list) and bool(data) and isinstance(data[0], dict) and "objectId" in data[0]


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
