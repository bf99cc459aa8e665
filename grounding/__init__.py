"""Grounding: skill library, scene graph, argument and task grounding with clarifications, plans.

The flow is parse -> `ground_parse(parse, scene, library)` -> `GroundingResult` (formats.md section 4)
-> `simulate(result, scene, library)` -> `SimulationRun` (each step's change, each task's goal).

Usage::

    from grounding import SceneGraph, SkillLibrary, format_result, ground_parse
    scene, library = SceneGraph.load("data/scenes/apartment.yaml"), SkillLibrary.load("skills")
    print(format_result(ground_parse(parse, scene, library)))
"""

from .affordances import AffordanceTable, default_affordances
from .ai2thor import export_ai2thor, export_scene, import_ai2thor, load_ai2thor
from .embed import Embedder, MiniLMEmbedder
from .errors import GroundingError, SceneError, SimulationError, SkillLibraryError
from .evaluate import evaluate_cases
from .grounder import Grounder
from .lexicon import Lexicon, default_lexicon
from .maps import import_map, import_map_file, load_map
from .pipeline import ground_parse, ground_ranked
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
from .simulate import Faults, SimulationRun, Simulator, simulate
from .skills import SkillLibrary
from .state import WorldState
from .vocabulary import OpenVocabulary

__all__ = ["ground_parse", "ground_ranked", "Grounder", "SceneGraph", "SkillLibrary", "Lexicon", "default_lexicon",
           "GroundingResult", "TaskGrounding", "Binding", "PlanStep", "Clarification", "GroundingErrorItem",
           "GroundingWarning", "SkillLibraryError", "SceneError", "GroundingError", "evaluate_cases",
           "format_result", "import_ai2thor", "load_ai2thor", "export_scene", "export_ai2thor", "simulate",
           "Simulator", "Faults", "SimulationRun", "SimulationError", "WorldState", "AffordanceTable",
           "default_affordances", "import_map", "load_map", "import_map_file", "OpenVocabulary", "Embedder",
           "MiniLMEmbedder"]
