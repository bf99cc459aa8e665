"""Grounding: skill library, scene graph, argument and task grounding with clarifications, plans.

The flow is parse -> `ground_parse(parse, scene, library)` -> `GroundingResult` (formats.md section 4).

Usage::

    from grounding import SceneGraph, SkillLibrary, format_result, ground_parse
    scene, library = SceneGraph.load("data/scenes/apartment.yaml"), SkillLibrary.load("skills")
    print(format_result(ground_parse(parse, scene, library)))
"""

from .ai2thor import export_scene, import_ai2thor, load_ai2thor
from .errors import GroundingError, SceneError, SkillLibraryError
from .evaluate import evaluate_cases
from .grounder import Grounder
from .lexicon import Lexicon, default_lexicon
from .pipeline import ground_parse
from .report import format_result
from .result import (
    Binding,
    Clarification,
    GroundingErrorItem,
    GroundingResult,
    GroundingWarning,
    PlanStep,
    TaskGrounding,
)
from .scene import SceneGraph
from .skills import SkillLibrary

__all__ = ["ground_parse", "Grounder", "SceneGraph", "SkillLibrary", "Lexicon", "default_lexicon",
           "GroundingResult", "TaskGrounding", "Binding", "PlanStep", "Clarification", "GroundingErrorItem",
           "GroundingWarning", "SkillLibraryError", "SceneError", "GroundingError", "evaluate_cases",
           "format_result", "import_ai2thor", "load_ai2thor", "export_scene"]
