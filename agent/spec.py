"""The output inventory the extractor is constrained to, built from the skill library."""

from __future__ import annotations

from decoding.grammar import OutputSpec
from grounding import SkillLibrary

__all__ = ["output_spec"]


def output_spec(library: SkillLibrary, max_tasks: int, max_arguments: int) -> OutputSpec:
    """Task types some skill grounds, the roles their tasks may carry, the role groups they must name."""
    types = library.task_types
    return OutputSpec(roles={t: library.roles_for(t) for t in types},
                      required={t: library.named_roles(t) for t in types if library.named_roles(t)},
                      max_tasks=max_tasks, max_arguments=max_arguments)
