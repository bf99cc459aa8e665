"""tage: instruction grounding for embodied agents.

instruction -> parse (`decoding`) -> ground and plan (`grounding`) -> result, composed by `Agent`.
"""

from decoding.parse import Parse
from grounding import GroundingResult, SceneGraph, SkillLibrary

from .api import Agent
from .session import Session

__all__ = ["Agent", "Session", "SceneGraph", "SkillLibrary", "GroundingResult", "Parse"]
