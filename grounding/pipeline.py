"""The public entry of grounding: a parse, a scene and a skill library in, a `GroundingResult` out."""

from __future__ import annotations

import time
from collections.abc import Sequence

from decoding.parse import Parse

from .errors import GroundingError
from .grounder import Grounder
from .lexicon import Lexicon, default_lexicon
from .plan import Planner
from .result import GroundingResult
from .scene import SceneGraph
from .skills import SkillLibrary
from .vocabulary import OpenVocabulary

__all__ = ["ground_parse", "ground_ranked"]


def ground_parse(parse: Parse, scene: SceneGraph, library: SkillLibrary, lexicon: Lexicon | None = None,
                 parse_ms: float = 0.0, ask_below: float | None = None, vocabulary: OpenVocabulary | None = None
                 ) -> GroundingResult:
    """Ground every task of `parse` in `scene` with `library`, and plan the grounded ones.

    With `ask_below`, an argument whose extraction score is below it is put to the user as a question ("Did you
    mean ...?") instead of acted on. With `vocabulary`, a word the lexicon cannot name is matched by meaning
    against the scene's names, classes and aliases ("laptop" -> a computer).

    No I/O: the scene, library and lexicon are loaded once by the caller (the default lexicon is read once and
    cached). `parse_ms` is the time the caller spent parsing, reported in `timing_ms`.

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> parse, _ = read_row("pick up the mug", "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : mug :cup")
    >>> scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "agent": {"room": "k"},
    ...     "objects": [{"id": "mug_1", "class": "cup", "room": "k", "affordances": ["pickable"]}]})
    >>> lib = SkillLibrary.from_dict({"skills": [
    ...     {"name": "pick", "task_types": ["Picking"], "preconditions": ["near(object)"],
    ...      "parameters": [{"name": "object", "roles": ["Theme"], "required": True}]},
    ...     {"name": "navigate", "auto": True, "effects": ["near(destination)"],
    ...      "parameters": [{"name": "destination", "roles": ["Goal"], "kind": "location"}]}]})
    >>> [(s.skill, s.args) for s in ground_parse(parse, scene, lib).plan]
    [('navigate', {'destination': 'mug_1'}), ('pick', {'object': 'mug_1'})]
    """
    start = time.perf_counter()
    lexicon = lexicon or default_lexicon()
    grounded = Grounder(scene, library, lexicon, ask_below, vocabulary).ground(parse)
    steps, plan_errors = Planner(scene, library, lexicon).plan(grounded.tasks)
    ground_ms = (time.perf_counter() - start) * 1000
    return GroundingResult(instruction=parse.instruction, parse=parse, tasks=tuple(grounded.tasks),
                           plan=tuple(steps), clarifications=tuple(grounded.clarifications),
                           errors=tuple(grounded.errors + plan_errors), warnings=tuple(grounded.warnings),
                           timing_ms={"parse": round(parse_ms, 3), "ground": round(ground_ms, 3),
                                      "total": round(parse_ms + ground_ms, 3)})


def ground_ranked(parses: Sequence[Parse], scene: SceneGraph, library: SkillLibrary, lexicon: Lexicon | None = None,
                  parse_ms: float = 0.0, ask_below: float | None = None, vocabulary: OpenVocabulary | None = None
                  ) -> GroundingResult:
    """Ground each of the n-best `parses` (best first) and keep the one that grounds best: the first with the fewest
    grounding errors, so that a parse whose arguments all exist beats one whose Theme is nowhere in the scene
    (`Agent.ground(n_best=)`; tests/grounding/test_grounder.py shows it)."""
    if not parses:
        raise GroundingError("ground_ranked needs at least one parse")
    lexicon = lexicon or default_lexicon()
    results = [ground_parse(parse, scene, library, lexicon, parse_ms, ask_below, vocabulary) for parse in parses]
    return min(results, key=lambda r: len(r.errors))
