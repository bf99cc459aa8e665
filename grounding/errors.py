"""The errors of the grounding stage: bad skill libraries, bad scenes, bad grounding inputs, unrunnable plans."""

from decoding.errors import TageError

__all__ = ["SkillLibraryError", "SceneError", "GroundingError", "SimulationError"]


class SkillLibraryError(TageError):
    """A skill library file that cannot be read or does not validate; the message names file, skill, field, line."""


class SceneError(TageError):
    """A scene graph file or object that cannot be read or does not validate; the message names file and place."""


class GroundingError(TageError):
    """Grounding inputs that do not fit together (a parse naming a task type no skill takes is *not* one)."""


class SimulationError(TageError):
    """A plan the simulator cannot run at all: a step naming an unknown skill, parameter or scene node.

    A step whose preconditions do not hold is not one: it is a failed step of the run.
    """
