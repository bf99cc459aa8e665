"""Small literal fixtures: a three-skill library and a five-object scene, plus a YAML file writer."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from decoding.tage_format import read_row
from grounding import SceneGraph, SkillLibrary

ROOT = Path(__file__).resolve().parents[2]

THREE_SKILLS = {"skills": [
    {"name": "navigate", "task_types": ["Motion"], "auto": True,
     "parameters": [{"name": "destination", "roles": ["Goal"], "kind": "location", "required": True}],
     "effects": ["near(destination)"]},
    {"name": "pick", "task_types": ["Picking"], "auto": True,
     "parameters": [{"name": "object", "roles": ["Theme"], "required": True, "requires": ["pickable"]},
                    {"name": "source", "roles": ["Source"], "kind": "location"}],
     "preconditions": ["hand_empty", "near(object)", "accessible(object)"], "effects": ["holding(object)"]},
    {"name": "bring", "task_types": ["Bringing"],
     "parameters": [{"name": "object", "roles": ["Theme"], "required": True, "requires": ["pickable"]},
                    {"name": "goal", "roles": ["Goal", "Recipient"], "kind": "location", "default": "user"}],
     "steps": [{"skill": "pick", "args": {"object": "$object"}},
               {"skill": "navigate", "args": {"destination": "$goal"}}]},
]}

FIVE_OBJECTS = {
    "agent": {"room": "hall"},
    "rooms": [{"id": "kitchen", "name": "kitchen"}, {"id": "hall", "name": "hall"}],
    "objects": [
        {"id": "table_1", "class": "table", "room": "kitchen", "position": [0, 0, 0], "affordances": ["receptacle"]},
        {"id": "mug_1", "class": "cup", "name": "mug", "room": "kitchen", "position": [0.1, 0, 0.8],
         "attributes": {"color": "red"}, "affordances": ["pickable"]},
        {"id": "mug_2", "class": "cup", "name": "mug", "room": "kitchen", "position": [3, 0, 0.9],
         "attributes": {"color": "blue"}, "affordances": ["pickable"]},
        {"id": "fridge_1", "class": "fridge", "room": "kitchen", "position": [3, 0.2, 0], "states": {"open": False},
         "affordances": ["openable", "receptacle"]},
        {"id": "apple_1", "class": "apple", "room": "kitchen", "position": [3, 0.2, 1], "affordances": ["pickable"]},
    ],
    "relations": [{"subject": "mug_1", "predicate": "on", "object": "table_1"},
                  {"subject": "mug_2", "predicate": "in", "object": "fridge_1"},
                  {"subject": "apple_1", "predicate": "in", "object": "fridge_1"}],
}


@pytest.fixture
def skills_data() -> dict:
    return copy.deepcopy(THREE_SKILLS)


@pytest.fixture
def scene_data() -> dict:
    return copy.deepcopy(FIVE_OBJECTS)


@pytest.fixture
def library() -> SkillLibrary:
    return SkillLibrary.from_dict(copy.deepcopy(THREE_SKILLS))


@pytest.fixture
def scene() -> SceneGraph:
    return SceneGraph.from_dict(copy.deepcopy(FIVE_OBJECTS))


@pytest.fixture(scope="session")
def default_library() -> SkillLibrary:
    return SkillLibrary.load(ROOT / "skills")


@pytest.fixture(scope="session")
def apartment() -> SceneGraph:
    return SceneGraph.load(ROOT / "data" / "scenes" / "apartment.yaml")


@pytest.fixture(scope="session")
def kitchen() -> SceneGraph:
    return SceneGraph.load(ROOT / "data" / "scenes" / "kitchen.yaml")


def write_yaml(path: Path, data: object) -> Path:
    """`data` dumped as block-style YAML (one key a line, so line numbers are meaningful)."""
    path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=False), encoding="utf-8")
    return path


def parse_of(text: str, spans: str, texts: str):
    """A gold `Parse` from the tagE span and text forms."""
    return read_row(text, spans, texts)[0]
