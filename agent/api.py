"""`Agent`: the public entry point. instruction -> parse -> ground -> plan, from one object."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from decoding.backend_names import DEFAULT_BACKEND
from decoding.parse import Parse
from grounding import GroundingResult, SceneGraph, SkillLibrary, ground_parse

from .defaults import load_library
from .parsers import Parser, make_parser

__all__ = ["Agent"]


class Agent:
    """Extracts tasks from instructions and grounds them in a scene.

    Examples
    --------
    >>> agent = Agent.load()                                                  # doctest: +SKIP
    >>> result = agent.ground("bring me the red mug", "data/scenes/apartment.yaml")  # doctest: +SKIP
    >>> [step.skill for step in result.plan]                                  # doctest: +SKIP
    ['navigate', 'pick', 'navigate', 'handover']
    """

    def __init__(self, parser: Parser, library: SkillLibrary):
        self.parser, self.library = parser, library

    @classmethod
    def load(cls, model: str | Path | None = None, backend: str = DEFAULT_BACKEND,
             skills: str | Path | Sequence[str | Path] | None = None) -> Agent:
        """The shipped model (or checkpoint folder `model`) decoded with `backend`, grounding with the default
        skill library plus the YAML files or folders of `skills` (which override skills of the same name)."""
        library = load_library(skills)
        return cls(make_parser(backend, model, library), library)

    def parse(self, instruction: str) -> Parse:
        """The task frames of one instruction; an empty or task-less instruction gives an empty parse."""
        if not isinstance(instruction, str):
            raise TypeError(f"instruction must be a string, not {type(instruction).__name__}")
        return self.parser.parse(instruction)

    def ground(self, instruction: str, scene: SceneGraph | str | Path) -> GroundingResult:
        """Parse `instruction` and ground it in `scene` (a `SceneGraph` or a YAML / JSON scene file)."""
        start = time.perf_counter()
        parse = self.parse(instruction)
        return self.ground_parse(parse, scene, parse_ms=(time.perf_counter() - start) * 1000)

    def ground_parse(self, parse: Parse, scene: SceneGraph | str | Path, parse_ms: float = 0.0) -> GroundingResult:
        """Ground a given parse (e.g. a gold one) in `scene`."""
        graph = scene if isinstance(scene, SceneGraph) else SceneGraph.load(scene)
        return ground_parse(parse, graph, self.library, parse_ms=parse_ms)
