"""Wording a clarification question that tells equal-fit candidates apart by attribute, place or room."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from .scene import SceneGraph

__all__ = ["clarification_question", "describe_node"]

_ATTRIBUTE_ORDER = ("color", "size", "material", "level", "side", "owner")
_MANY = 4   # more look-alikes than this that only ids tell apart are listed by id, not as "the one called ..."
_STATE_WORDS = {"on": ("on", "off"), "open": ("open", "closed")}   # state key -> words when true, false
_PREDICATE_WORDS = {"on": "on", "in": "in", "part_of": "of", "under": "under", "next_to": "next to"}


def _place_phrase(scene: SceneGraph, node_id: str) -> str | None:
    for predicate in ("on", "in", "part_of", "under", "next_to"):
        others = sorted(scene.related(node_id, predicate))
        if others:
            return f"{_PREDICATE_WORDS[predicate]} the {scene[others[0]].label}"
    return None


def _room_phrase(scene: SceneGraph, node_id: str) -> str | None:
    room = scene.room_of(node_id)
    return f"in the {scene[room].label}" if room and room != node_id else None


def _distinct(values: list) -> bool:
    return all(v is not None for v in values) and len(set(values)) == len(values)


def _adjectives(scene: SceneGraph, ids: list[str]) -> list[str] | None:
    for key in _ATTRIBUTE_ORDER:
        values = [scene[i].attributes.get(key) for i in ids]
        if len({v for v in values if v is not None}) > 1:
            return [("your" if v == "user" and key == "owner" else str(v)) if v is not None else "" for v in values]
    return None


def _state_clauses(scene: SceneGraph, ids: list[str]) -> list[str] | None:
    """ "that is on" / "that is off" for candidates the scene records in different states (a lamp on, one off)."""
    for key, (yes, no) in _STATE_WORDS.items():
        values = [scene[i].states.get(key) for i in ids]
        if None not in values and len(set(values)) > 1:
            return [f"that is {yes if v else no}" for v in values]
    return None


def _heights(scene: SceneGraph, ids: list[str]) -> list[str] | None:
    """ "the upper one" / "the lower one" for two look-alikes one above the other (within a metre across the floor,
    5 cm or more apart in height), words an answer can use ("the top one"); None otherwise."""
    if len(ids) != 2 or any(scene[i].position is None for i in ids):
        return None
    a, b = (scene[i].position for i in ids)
    if math.dist(a[:2], b[:2]) > 1.0 or abs(a[2] - b[2]) < 0.05:
        return None
    return ["upper", "lower"] if a[2] > b[2] else ["lower", "upper"]


def _nearby(scene: SceneGraph, node_id: str, ids: list[str], structural: frozenset[str], in_room: Counter
            ) -> list[str]:
    """Things of another class within the scene's near distance of `node_id` that their name singles out in its
    room (not one of fifteen cabinets) and that are no part of the building (the floor): what stays put (a sink, a
    stove) before what is carried about (an apple), nearest first."""
    node = scene[node_id]
    if node.position is None:
        return []
    found = [n for n in scene.related(node_id, "near") - set(ids)
             if scene[n].kind == "object" and scene[n].cls != node.cls and scene[n].position is not None
             and scene[n].cls not in structural and in_room[(node.room, scene[n].label)] == 1]
    return sorted(found, key=lambda n: ("pickable" in scene[n].affordances,
                                        math.dist(scene[n].position[:2], node.position[:2]), n))


def _landmarks(scene: SceneGraph, ids: list[str], structural: frozenset[str]) -> list[str | None]:
    """ "next to the sink" for each candidate: the nearest thing near it and near none of the others (two drawers
    of a kitchen map that no attribute, support or room tells apart)."""
    in_room = Counter((n.room, n.label) for n in scene.of_kind("object"))   # how many a name means, per room
    nearby = [_nearby(scene, i, ids, structural, in_room) for i in ids]
    labels = [{scene[n].label for n in near} for near in nearby]
    near_how_many = Counter(label for own in labels for label in own)   # of the candidates
    out = []
    for near in nearby:
        mark = next((n for n in near if near_how_many[scene[n].label] == 1), None)   # near this one only
        out.append(f"next to the {scene[mark].label}" if mark else None)
    return out


def _phrases(scene: SceneGraph, ids: list[str], structural: frozenset[str]) -> list[str]:
    adjectives = _adjectives(scene, ids)
    states = None if adjectives else _state_clauses(scene, ids)
    labels = [scene[i].label for i in ids]
    named = _distinct(labels)  # "the soap bar or the soap bottle": the names alone tell them apart
    by_name = len(set(labels)) > 1   # said with their names: "the red apple, the green apple or the banana"
    places = [_place_phrase(scene, i) for i in ids]
    rooms = [_room_phrase(scene, i) for i in ids]
    if _distinct(rooms):
        where = rooms
    elif named or (adjectives and _distinct(adjectives)) or (states and _distinct(states)):
        where = places if _distinct(places) else None
    elif _distinct(places):
        where = places
    else:
        landmarks = _landmarks(scene, ids, structural)
        heights = None if _distinct(landmarks) else _heights(scene, ids)
        where = landmarks if _distinct(landmarks) else None if heights else places
        adjectives = heights or adjectives
    out = []
    for k, node_id in enumerate(ids):
        said = adjectives[k] if adjectives and adjectives[k] else ""
        # named apart already by it ("the top drawer", of level top): not said twice
        adjective = f"{said} " if said and not (by_name and said in labels[k].split()) else ""
        place = f" {where[k]}" if where and where[k] else ""
        state = f" {states[k]}" if states else ""
        noun = labels[k] if by_name else "one"
        out.append(f"the {adjective}{noun}{state}{place}" if adjective or state or place or by_name
                   else f"the one called {node_id}")
    if len(set(out)) < len(out):
        out = [f"{p} ({node_id})" for p, node_id in zip(out, ids, strict=True)]
    return out


def describe_node(scene: SceneGraph, node_id: str) -> str:
    """A short description of a node for messages: "the red mug on the counter (mug_1)"."""
    node = scene[node_id]
    place = _place_phrase(scene, node_id) or _room_phrase(scene, node_id)
    if node.kind == "person":   # "you in the living room (user)", "Anna in the kitchen (anna)": a name, no "the"
        return " ".join(p for p in (node.label, place, f"({node_id})") if p)
    color = node.attributes.get("color")
    return " ".join(p for p in ("the", color, node.label, place, f"({node_id})") if p)


def clarification_question(scene: SceneGraph, noun: str, ids: list[str], structural: Iterable[str] = ()) -> str:
    """ "Which mug do you mean: the red one on the table or the blue one in the sink?" Look-alikes nothing else
    tells apart are told apart by a thing near one of them only, never one of the `structural` classes (the floor).

    Examples
    --------
    >>> scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
    ...     {"id": "m1", "class": "cup", "room": "k", "attributes": {"color": "red"}},
    ...     {"id": "m2", "class": "cup", "room": "k", "attributes": {"color": "blue"}}]})
    >>> clarification_question(scene, "mug", ["m1", "m2"])
    'Which mug do you mean: the red one or the blue one?'
    """
    phrases = _phrases(scene, ids, frozenset(structural))
    if len(ids) > _MANY and all(p == f"the one called {i}" for p, i in zip(phrases, ids, strict=True)):
        return f"Which {noun} do you mean? {len(ids)} fit, and the map tells them apart only by id: {', '.join(ids)}."
    listed = ", ".join(phrases[:-1]) + f" or {phrases[-1]}"
    return f"Which {noun} do you mean: {listed}?"
