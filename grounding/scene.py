"""The scene graph: rooms, objects, people and the robot as a networkx graph with on/in/under/part_of/near edges."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from typing import Literal as TypeLiteral

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError

from .affordances import AffordanceTable, default_affordances
from .areas import Area, polygon_of, rooms_at
from .errors import SceneError
from .sources import load_data, located

__all__ = ["Node", "AgentState", "SceneGraph", "CONTAINMENT", "DEFAULT_NEAR_THRESHOLD", "USER", "compact"]

CONTAINMENT = ("on", "in", "part_of")   # edges that may not form a cycle; on/in also give an object its place
NEAR_LIMIT = 32                         # an object is near at most this many others (its nearest)
DEFAULT_NEAR_THRESHOLD = 1.0            # metres: objects of one room this close (horizontally) are `near`
USER = "user"                           # the node of the person speaking; added when a scene does not declare it
Kind = TypeLiteral["room", "object", "person", "agent"]


@dataclass(frozen=True)
class Node:
    """One scene node. `terms` are the lower-case words that name it (name, aliases, class)."""

    id: str
    kind: Kind
    cls: str
    name: str | None = None
    aliases: tuple[str, ...] = ()
    room: str | None = None
    position: tuple[float, float, float] | None = None
    attributes: dict = field(default_factory=dict, hash=False)
    states: dict = field(default_factory=dict, hash=False)
    affordances: frozenset[str] = frozenset()
    terms: frozenset[str] = frozenset()
    area: Area | None = None                 # a room's floor area, when the scene gives one
    stated: bool = True                      # False: `affordances` are its class defaults, not the scene's

    @property
    def contents(self) -> frozenset[str]:
        """What the map says the node holds (`attributes.contents`: one word or a list), lower case, with the last
        word of each ("olive oil": also oil)."""
        held = self.attributes.get("contents")
        phrases = {str(c).lower().strip() for c in (held if isinstance(held, list | tuple) else [held] if held else [])}
        return frozenset(phrases | {p.split()[-1] for p in phrases if p})

    @property
    def label(self) -> str:
        """The word a person would use for it: its name, else its class."""
        return self.name or self.cls.replace("_", " ")


@dataclass
class AgentState:
    """Where the robot starts, what it holds, and the node it stands at (`near`; its room when not given)."""

    id: str = "robot"
    room: str | None = None
    position: tuple[float, float, float] | None = None
    holding: str | None = None
    near: str | None = None


class _Raw(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _flat(value: object) -> object:
    """A 2-D position [x, y] (a floor map's) stands at height 0."""
    return [*value, 0.0] if isinstance(value, list | tuple) and len(value) == 2 else value


# a number: NaN, infinity, true / false and numeric strings ("1.5") are refused, naming the object
Coordinate = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Position = Annotated[tuple[Coordinate, Coordinate, Coordinate], BeforeValidator(_flat)]
Point = tuple[Coordinate, Coordinate]


def _box(value: object) -> object:
    """A box {min: [x, y], max: [x, y]} as its four corners; a polygon as it is."""
    if not isinstance(value, dict):
        return value
    if set(value) != {"min", "max"}:
        raise ValueError("a box area has exactly the keys min and max: {min: [x, y], max: [x, y]}")
    corners = _Corners.model_validate(value)
    (x0, y0), (x1, y1) = corners.min, corners.max
    if x0 >= x1 or y0 >= y1:
        raise ValueError(f"box min {[x0, y0]} is not below max {[x1, y1]} on both axes")
    return [list(p) for p in polygon_of(value)]


class _Corners(_Raw):
    min: Point
    max: Point


class _RawRoom(_Raw):
    id: str = Field(min_length=1)
    name: str | None = None
    cls: str | None = Field(default=None, alias="class")
    aliases: list[str] = []
    position: Position | None = None
    area: Annotated[list[Point], Field(min_length=3), BeforeValidator(_box)] | None = None  # polygon or box


class _RawObject(_Raw):
    id: str = Field(min_length=1)
    cls: str = Field(alias="class", min_length=1)
    name: str | None = None
    aliases: list[str] = []
    room: str | None = None
    position: Position | None = None
    attributes: dict[str, str | int | float | bool] = {}
    states: dict[str, StrictBool | None] = {}   # open, on, dirty...: true, false or null (unknown); never "yes", 1
    affordances: list[str] | None = None        # None: the class defaults (scene section, then the table)


class _RawPerson(_Raw):
    id: str = Field(min_length=1)
    name: str | None = None
    aliases: list[str] = []
    room: str | None = None
    position: Position | None = None


class _RawAgent(_Raw):
    id: str = "robot"
    room: str | None = None
    position: Position | None = None
    holding: str | None = None
    near: str | None = None


class _RawRelation(_Raw):
    subject: str
    predicate: TypeLiteral["on", "in", "under", "part_of", "next_to", "near"]
    object: str


class _RawScene(_Raw):
    name: str = ""
    near_threshold: float = Field(default=DEFAULT_NEAR_THRESHOLD, gt=0, strict=True, allow_inf_nan=False)
    affordances: dict[str, list[str]] = {}      # class -> affordances, over the shipped table for this scene
    agent: _RawAgent = _RawAgent()
    rooms: list[_RawRoom] = []
    objects: list[_RawObject] = []
    people: list[_RawPerson] = []
    relations: list[_RawRelation] = []


class SceneGraph:
    """A validated scene. Build with `SceneGraph.load(path)` or `SceneGraph.from_dict(data)`.

    Examples
    --------
    >>> scene = SceneGraph.from_dict({"rooms": [{"id": "kitchen"}],
    ...     "objects": [{"id": "mug_1", "class": "cup", "room": "kitchen"},
    ...                 {"id": "table_1", "class": "table", "room": "kitchen"}],
    ...     "relations": [{"subject": "mug_1", "predicate": "on", "object": "table_1"}]})
    >>> scene.place_of("mug_1"), sorted(scene.related("mug_1", "on"))
    ('table_1', ['table_1'])
    """

    def __init__(self, nodes: Iterable[Node], relations: Iterable[tuple[str, str, str]], agent: AgentState,
                 near_threshold: float = DEFAULT_NEAR_THRESHOLD, name: str = "",
                 class_affordances: dict[str, tuple[str, ...]] | None = None, warnings: Iterable[str] = ()) -> None:
        import networkx as nx  # here: parsing alone never needs it (start-up)

        self.name, self.agent, self.near_threshold = name, agent, near_threshold
        self.class_affordances = dict(class_affordances or {})   # the scene's own `affordances:` section
        self.warnings: tuple[str, ...] = tuple(warnings)          # what loading let pass, each naming the object
        self.nodes: dict[str, Node] = {n.id: n for n in nodes}
        self.graph = nx.DiGraph()
        self.graph.add_nodes_from((n.id, {"kind": n.kind, "node": n}) for n in self.nodes.values())
        self._rel: dict[str, dict[str, set[str]]] = {i: {} for i in self.nodes}
        self.asserted: list[tuple[str, str, str]] = list(relations)   # as given; derived `near` edges aside
        for subject, predicate, obj in self.asserted:
            self._add(subject, predicate, obj)
        self._derive_near()
        self._index()

    # -- building ---------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | Path) -> SceneGraph:
        """Read a YAML or JSON scene; a bad file raises `SceneError` naming the file, the place and the problem."""
        return cls.from_dict(load_data(path, SceneError), source=str(path))

    @classmethod
    def from_dict(cls, data: object, source: str = "<scene>", affordances: AffordanceTable | None = None
                  ) -> SceneGraph:
        """Validate decoded scene data (formats.md section 3) into a graph; objects that state no affordances get
        their class's from the scene's `affordances:` section, else from `affordances` (default: the shipped
        table). What can go on (an unknown class, a position in two rooms' areas) is in `warnings`."""
        try:
            raw = _RawScene.model_validate(data)
        except ValidationError as err:
            first = err.errors()[0]
            if not first["loc"]:  # the whole document is not a mapping
                raise SceneError(f"{located(source, data)}: expected a mapping with `objects:` (and `rooms:`, "
                                 f"`relations:`...), not {_kind(data)}") from err
            raise SceneError(f"{located(source, data, first['loc'])}: {_where(data, first['loc'])}"
                             f"{_message(first)}{_given(first)}") from err
        return _build(raw, data, source, affordances or default_affordances())

    def _add(self, subject: str, predicate: str, obj: str) -> None:
        self._rel[subject].setdefault(predicate, set()).add(obj)
        self._rel[obj].setdefault("~" + predicate, set()).add(subject)
        if predicate in ("next_to", "near"):
            self._rel[obj].setdefault(predicate, set()).add(subject)
            self._rel[subject].setdefault("~" + predicate, set()).add(obj)
        edge = self.graph.get_edge_data(subject, obj)
        if edge is None:
            self.graph.add_edge(subject, obj, predicates={predicate})
        else:
            edge["predicates"].add(predicate)

    def _derive_near(self) -> None:
        # A grid of threshold-sized cells per room: only neighbouring cells can hold pairs within the threshold.
        # Each object is near its `NEAR_LIMIT` nearest within the threshold (and those it is among the nearest of):
        # every pair in real scenes (at most 18 neighbours in the AI2-THOR kitchen), while a heap of 5,000 mugs
        # within a hand's width stays linear in edges instead of 12.5 million pairs.
        t = self.near_threshold
        cells: dict[tuple, list[Node]] = {}
        for n in self.nodes.values():
            if n.kind == "object" and n.position is not None:
                cells.setdefault((n.room, math.floor(n.position[0] / t), math.floor(n.position[1] / t)), []).append(n)
        import numpy as np  # here: parsing alone never needs it (start-up)

        pairs = set()
        for (room, cx, cy), members in cells.items():
            around = [b for dx in (-1, 0, 1) for dy in (-1, 0, 1) for b in cells.get((room, cx + dx, cy + dy), ())]
            xy = np.array([b.position[:2] for b in around], dtype=float)
            by_id = np.argsort(np.argsort([b.id for b in around]))   # ties in distance go by id
            for a in members:
                d = np.hypot(xy[:, 0] - a.position[0], xy[:, 1] - a.position[1])
                found = np.flatnonzero(d <= t)
                if len(found) > NEAR_LIMIT + 1:  # itself included
                    found = found[np.lexsort((by_id[found], d[found]))[:NEAR_LIMIT + 1]]
                pairs.update((min(a.id, around[k].id), max(a.id, around[k].id)) for k in found.tolist()
                             if around[k] is not a)
        for a, b in sorted(pairs):
            self._add(a, "near", b)

    def _index(self) -> None:
        self.by_term: dict[str, list[str]] = {}
        self.by_class: dict[str, list[str]] = {}
        # the last words of a term of several ("towel holder": "holder"), of its words before "of" ("tin of paint":
        # a tin, not paint)
        self.by_term_end: dict[str, list[str]] = {}
        # terms written together: "armchair" for a node named "arm chair", "tv stand" for one named "tv-stand"
        self.by_compact: dict[str, list[str]] = {}
        self.by_contents: dict[str, list[str]] = {}   # what a node holds ("coffee") -> the nodes holding it
        for n in self.nodes.values():
            for held in n.contents:
                self.by_contents.setdefault(held, []).append(n.id)
            for term in n.terms:
                self.by_term.setdefault(term, []).append(n.id)
                ids = self.by_compact.setdefault(compact(term), [])
                if not ids or ids[-1] != n.id:   # (a node's terms come together: a repeat is the last one)
                    ids.append(n.id)
                words = term.split()
                words = words[:words.index("of")] if "of" in words else words
                for k in range(1, len(words)):
                    ids = self.by_term_end.setdefault(" ".join(words[k:]), [])
                    if not ids or ids[-1] != n.id:   # (a node's terms come together: a repeat is the last one)
                        ids.append(n.id)
            self.by_class.setdefault(n.cls, []).append(n.id)

    # -- queries ----------------------------------------------------------------------------------------------
    def __getitem__(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def of_kind(self, *kinds: str) -> Iterator[Node]:
        """Every node of the given kinds."""
        return (n for n in self.nodes.values() if n.kind in kinds)

    def related(self, node_id: str, predicate: str) -> set[str]:
        """Nodes `y` with `node_id predicate y` asserted or derived ("~on": nodes on `node_id`)."""
        return self._rel.get(node_id, {}).get(predicate, set())

    def relations(self, node_id: str) -> Iterator[tuple[str, str]]:
        """(predicate, other node) for every outgoing relation of `node_id`, inverse ones included."""
        for predicate, others in self._rel.get(node_id, {}).items():
            for other in others:
                yield predicate, other

    def supports(self, node_id: str) -> list[str]:
        """The chain of nodes `node_id` stands on or in, nearest first (mug -> tray -> table)."""
        chain, current = [], node_id
        while True:
            up = self.related(current, "on") | self.related(current, "in")
            up = sorted(u for u in up if u not in chain and u != node_id)
            if not up:
                return chain
            current = up[0]
            chain.append(current)

    def place_of(self, node_id: str) -> str:
        """Where the robot stands to reach `node_id`: the outermost furniture it is on or in, else itself."""
        chain = self.supports(node_id)
        return chain[-1] if chain else node_id

    def room_of(self, node_id: str) -> str | None:
        """The room of a node (a room is its own room)."""
        node = self.nodes[node_id]
        return node.id if node.kind == "room" else node.room

    def holds(self, subject: str, predicates: Iterable[str], obj: str) -> bool:
        """True when `subject` stands in one of `predicates` to `obj` (on/in through stacked supports)."""
        for predicate in predicates:
            if predicate.startswith("~"):
                if self.holds(obj, (predicate[1:],), subject):
                    return True
            elif predicate in ("on", "in") and self._within(subject, obj):
                return True
            elif obj in self.related(subject, predicate):
                return True
        return False

    def _within(self, subject: str, obj: str) -> bool:
        """On or in `obj`: through stacked supports, in the room `obj`, or on / in a part of `obj`'s own class (the
        lettuce in a sink's basin is in the sink; a knife in the counter's drawer is not on the counter)."""
        chain = self.supports(subject)
        return obj in chain or (self.nodes[obj].kind == "room" and self.room_of(subject) == obj) \
            or ("~part_of" in self._rel[obj] and not self.alike_parts(obj).isdisjoint(chain))

    def alike_parts(self, node_id: str) -> set[str]:
        """The parts of `node_id` of its own class, and theirs (a sink's basin, a bookcase's shelf)."""
        cls, found, pending = self.nodes[node_id].cls, set(), [node_id]
        while pending:
            parts = self.related(pending.pop(), "~part_of") - found
            alike = {p for p in parts if self.nodes[p].cls == cls}
            found |= alike
            pending += alike
        return found

    def to_dict(self) -> dict:
        """The scene in the project's format (formats.md section 3): `SceneGraph.from_dict(s.to_dict())` rebuilds it."""
        rooms = [_drop_empty({"id": n.id, "name": n.name, "class": n.cls if n.cls != n.name else None,
                              "aliases": list(n.aliases), "position": n.position,
                              "area": [list(p) for p in n.area] if n.area else None}) for n in self.of_kind("room")]
        objects = [_drop_empty({"id": n.id, "class": n.cls, "name": n.name, "aliases": list(n.aliases),
                                "room": n.room, "position": n.position, "attributes": n.attributes,
                                "states": n.states}) | ({"affordances": sorted(n.affordances)} if n.stated else {})
                   for n in self.of_kind("object")]
        people = [_drop_empty({"id": n.id, "name": n.name, "aliases": list(n.aliases), "room": n.room,
                               "position": n.position}) for n in self.of_kind("person")]
        relations = [{"subject": s, "predicate": p, "object": o} for s, p, o in self.asserted]
        agent = _drop_empty({"id": self.agent.id, "room": self.agent.room, "position": self.agent.position,
                             "holding": self.agent.holding, "near": self.agent.near})
        affordances = {cls: list(a) for cls, a in self.class_affordances.items()}
        return _drop_empty({"name": self.name, "near_threshold": self.near_threshold, "affordances": affordances,
                            "agent": agent, "rooms": rooms, "objects": objects, "people": people,
                            "relations": relations})


def _drop_empty(d: dict) -> dict:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items() if v not in (None, [], {}, "")}


def _where(data: object, loc: tuple) -> str:
    if len(loc) >= 2 and isinstance(loc[1], int) and isinstance(data, dict):
        try:
            item = data[loc[0]][loc[1]]
            ident = f" ({item['id']})" if isinstance(item, dict) and "id" in item else ""
        except (KeyError, IndexError, TypeError):
            ident = ""
        rest = ".".join(str(p) for p in loc[2:])
        return f"{loc[0]}[{loc[1]}]{ident}: " + (f"field {rest}: " if rest else "")
    return f"field {'.'.join(str(p) for p in loc)}: " if loc else ""


def _message(error: dict) -> str:
    """pydantic's message, without the name of the internal model a mapping was expected for."""
    return "Input should be a mapping" if error["type"] == "model_type" else error["msg"]


def _given(error: dict) -> str:
    """", not 'yes'" after a pydantic "Input should be ..." message about one value (a whole object says nothing)."""
    value = error.get("input")
    scalar = isinstance(value, str | int | float) and len(repr(value)) <= 40
    return f", not {value!r}" if scalar and error["msg"].startswith("Input should be") else ""


def _fail(data: object, source: str, loc: list, problem: str) -> None:
    raise SceneError(f"{located(source, data, loc)}: {_where(data, tuple(loc))}{problem}")


def _kind(data: object) -> str:
    if isinstance(data, list):  # a robot map or AI2-THOR metadata, most likely
        return "a list (a list of objects is a map: `tage data import-map FILE -o SCENE.yaml` makes it a scene)"
    return "an empty document" if data is None else f"a {type(data).__name__}"


def _terms(*words: str | None) -> frozenset[str]:
    return frozenset(w.lower().replace("_", " ") for w in words if w)


def _build(raw: _RawScene, data: object, source: str, table: AffordanceTable) -> SceneGraph:
    ids = _check_ids(raw, data, source)
    _check_references(raw, data, source, ids)
    _check_cycles(raw, data, source)
    warnings = _unknown_affordances(raw, data, source, table.known)
    areas = {r.id: polygon_of(r.area) for r in raw.rooms if r.area is not None}
    nodes = [Node(r.id, "room", r.cls or r.name or r.id, r.name or r.id, tuple(r.aliases), r.id, r.position,
                  terms=_terms(r.id, r.name, r.cls, *r.aliases), area=areas.get(r.id))
             for r in raw.rooms]
    object_rooms = _object_rooms(raw, areas, source, warnings)
    afford = _affordances(raw, table, source, warnings)
    nodes += [Node(o.id, "object", o.cls, o.name, tuple(o.aliases), object_rooms[o.id], o.position,
                   dict(o.attributes), dict(o.states), afford[o.id], _terms(o.name, o.cls, *o.aliases),
                   stated=o.affordances is not None) for o in raw.objects]
    agent_room = raw.agent.room or _area_room(areas, raw.agent.position, f"{source}: agent", warnings)
    agent = AgentState(raw.agent.id, agent_room, raw.agent.position, raw.agent.holding, raw.agent.near)
    nodes += _people(raw, agent, areas, source, warnings)
    nodes.append(Node(agent.id, "agent", "robot", "robot", (), agent.room, agent.position, terms=_terms("robot")))
    relations = [(r.subject, r.predicate, r.object) for r in raw.relations]
    classes = {cls: tuple(a) for cls, a in raw.affordances.items()}
    return SceneGraph(nodes, relations, agent, raw.near_threshold, raw.name, classes, warnings)


def _check_ids(raw: _RawScene, data: object, source: str) -> dict[str, list]:
    ids: dict[str, list] = {}
    for section in ("rooms", "objects", "people"):
        for i, item in enumerate(getattr(raw, section)):
            if item.id in ids or item.id == raw.agent.id:
                first = ids.get(item.id, ["agent"])
                _fail(data, source, [section, i, "id"], f"duplicate id {item.id!r} (first in {first[0]}"
                      + (f"[{first[1]}])" if len(first) > 1 else ")"))
            ids[item.id] = [section, i]
    return ids


def _affordances(raw: _RawScene, table: AffordanceTable, source: str, warnings: list[str]) -> dict[str, frozenset]:
    """Each object's affordances: its own list, else its class's in the scene's section, else in the table."""
    out, unknown = {}, {}
    for o in raw.objects:
        stated = o.affordances if o.affordances is not None else raw.affordances.get(o.cls)
        found = frozenset(stated) if stated is not None else table.of(o.cls)
        if found is None:
            unknown.setdefault(o.cls, []).append(o.id)
        out[o.id] = found or frozenset()
    for cls, members in unknown.items():
        more = f" and {len(members) - 1} more" if len(members) > 1 else ""
        warnings.append(f"{source}: object {members[0]!r}{more}: class {cls!r} has no default affordances, so it "
                        "can be gone to and looked at but not picked, opened or switched; state `affordances:` "
                        "on the object or in the scene's `affordances:` section")
    return out


def _unknown_affordances(raw: _RawScene, data: object, source: str, known: tuple[str, ...]) -> list[str]:
    """A warning for each affordance an object or the scene's `affordances:` section names that the shipped table
    does not know: a typo ("pickabel") leaves the object unable to be picked, while a skill library of one's own
    may require affordances of its own ("wipeable"), so it is said, not refused."""
    lists = [(["affordances", cls], names) for cls, names in raw.affordances.items()]
    lists += [(["objects", i, "affordances"], o.affordances or []) for i, o in enumerate(raw.objects)]
    out = []
    for loc, names in lists:
        for j, name in enumerate(names):
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1, cutoff=0.8)  # "pickabel", not "flyable"
                hint = f"did you mean {close[0]!r}? " if close else ""
                out.append(f"{located(source, data, [*loc, j])}: {_where(data, (*loc, j))}affordance {name!r} is "
                           f"none of the shipped ones ({hint}known: {', '.join(known)}); only a skill that "
                           "requires it can use it")
    return out


def _area_room(areas: dict[str, Area], position: tuple | None, who: str, warnings: list[str]) -> str | None:
    """The room whose area holds `position` (the smallest of several, with a warning), None outside every area."""
    if not areas or position is None:
        return None
    found = rooms_at(areas, position[0], position[1])
    if len(found) > 1:
        warnings.append(f"{who}: position {list(position[:2])} lies in the areas of rooms {', '.join(found)}: "
                        f"taken to be in {found[0]!r}, the smallest")
    return found[0] if found else None


def _people(raw: _RawScene, agent: AgentState, areas: dict[str, Area], source: str, warnings: list[str]
            ) -> list[Node]:
    people = [Node(p.id, "person", "person", p.name, tuple(p.aliases),
                   p.room or _area_room(areas, p.position, f"{source}: person {p.id!r}", warnings) or agent.room,
                   p.position, terms=_terms(p.name, "person", *p.aliases)) for p in raw.people]
    if not any(p.id == USER for p in people):
        people.append(Node(USER, "person", "person", "you", (), agent.room, agent.position, terms=frozenset()))
    return people


def _check_references(raw: _RawScene, data: object, source: str, ids: dict) -> None:
    rooms = {r.id for r in raw.rooms}
    for section in ("objects", "people"):
        for i, item in enumerate(getattr(raw, section)):
            if item.room is not None and item.room not in rooms:
                _fail(data, source, [section, i, "room"], f"unknown room {item.room!r}")
    if raw.agent.room is not None and raw.agent.room not in rooms:
        _fail(data, source, ["agent", "room"], f"unknown room {raw.agent.room!r}")
    objects = {o.id for o in raw.objects}
    if raw.agent.holding is not None and raw.agent.holding not in objects:
        _fail(data, source, ["agent", "holding"], f"unknown object {raw.agent.holding!r}")
    if raw.agent.near is not None and raw.agent.near not in ids:
        _fail(data, source, ["agent", "near"], f"unknown node {raw.agent.near!r}")
    for i, rel in enumerate(raw.relations):
        for end in ("subject", "object"):
            if getattr(rel, end) not in ids:
                _fail(data, source, ["relations", i, end], f"dangling id {getattr(rel, end)!r}: no such room, "
                                                           "object or person")
        if rel.subject == rel.object:
            _fail(data, source, ["relations", i], f"{rel.subject!r} cannot be {rel.predicate} itself")


def _check_cycles(raw: _RawScene, data: object, source: str) -> None:
    import networkx as nx  # here: parsing alone never needs it (start-up)

    graph = nx.DiGraph()
    graph.add_edges_from((r.subject, r.object, {"i": i}) for i, r in enumerate(raw.relations)
                         if r.predicate in CONTAINMENT)
    try:
        cycle = nx.find_cycle(graph)
    except nx.NetworkXNoCycle:
        return
    index = graph.edges[cycle[0][0], cycle[0][1]]["i"]
    path = " -> ".join([a for a, _ in cycle] + [cycle[0][0]])
    _fail(data, source, ["relations", index], f"containment cycle {path}")


def _object_rooms(raw: _RawScene, areas: dict[str, Area], source: str, warnings: list[str]
                  ) -> dict[str, str | None]:
    """Each object's room: its own, else the room whose area holds its position, else the room of what it is on
    or in (followed up the chain), else None (groundable; a room qualifier cannot be checked for it)."""
    own = {o.id: o.room or _area_room(areas, o.position, f"{source}: object {o.id!r}", warnings)
           for o in raw.objects}
    for o in raw.objects:
        found = rooms_at(areas, o.position[0], o.position[1]) if o.room and areas and o.position else []
        if found and o.room not in found:
            warnings.append(f"{source}: object {o.id!r} states room {o.room!r} but its position "
                            f"{list(o.position[:2])} lies in the area of {found[0]!r}: kept in {o.room!r}")
    parent = {r.subject: r.object for r in raw.relations if r.predicate in CONTAINMENT and r.subject in own}
    rooms = {r.id for r in raw.rooms}
    out = {}
    for o in raw.objects:
        current, seen = o.id, set()
        while own.get(current) is None and current in parent and current not in seen:
            seen.add(current)
            current = parent[current]
        out[o.id] = own.get(current) if current in own else (current if current in rooms else None)
    return out


def compact(term: str) -> str:
    """`term` without spaces, hyphens and underscores: how "arm chair", "arm-chair" and "armchair" compare."""
    return "".join(c for c in term if c not in " -_")
