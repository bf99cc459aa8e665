"""The grounded result of one parse (formats.md section 4): bindings, plan, clarifications, errors."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from decoding.parse import Parse, Span

__all__ = ["Binding", "TaskGrounding", "PlanStep", "Clarification", "GroundingErrorItem", "GroundingWarning",
           "GroundingResult", "ERROR_CODES"]

# Every `GroundingErrorItem.code`, with what it means.
ERROR_CODES = {
    "object_not_found": "no scene node has that name or class",
    "description_mismatch": "nodes of that name exist, but none has the stated attributes or relations",
    "affordance_violation": "the node that fits cannot do what the skill needs (a table cannot be picked)",
    "unresolved_reference": "a pronoun with nothing earlier to refer to",
    "missing_argument": "a required parameter that no argument fills and that has no default",
    "no_skill": "no skill of the library grounds the task type",
    "precondition_failed": "a plan step whose preconditions cannot hold in the state the plan reaches",
    "reply_unmatched": "a reply to a question that fits none of its candidates (or all): the question stays open",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Binding(_Model):
    """Which scene node one argument grounded to (`node` null when it did not)."""

    role: str
    parameter: str | None = Field(default=None,
                                  description="the skill parameter it fills; null for a narrowing or unused role")
    span: Span
    node: str | None = None
    score: float | None = None
    value: str | None = Field(default=None, description="the words of a value parameter (direction, state)")
    candidates: tuple[str, ...] = Field(default=(), description="the equal-fit nodes when ambiguous")
    members: tuple[str, ...] = Field(default=(), description="the nodes a plural or quantified argument binds as a "
                                                             "set ('all the plates'); `node` is then null")
    refers_to: int | None = Field(default=None, description="task whose argument a pronoun or repeat points at")


class TaskGrounding(_Model):
    """One parse task: its skill, status and per-argument bindings."""

    task: int
    type: str
    skill: str | None = None
    status: Literal["grounded", "needs_clarification", "failed"]
    bindings: tuple[Binding, ...] = ()
    parameters: dict[str, str] = Field(default={}, description="parameter -> node id (or the words of a value "
                                                               "parameter), defaults included")
    sets: dict[str, tuple[str, ...]] = Field(default={}, description="parameter -> the nodes of a set argument "
                                                                     "('all the plates'): the plan repeats the "
                                                                     "task for each")


class PlanStep(_Model):
    """One primitive step, with the state it assumes (robot place, room, held object) before it runs."""

    skill: str
    args: dict[str, str]
    from_task: int
    assumes: dict[str, str | None] = {}
    inserted: bool = Field(default=False, description="added by the planner to make a precondition hold")


class Clarification(_Model):
    """A question for the user when several nodes fit an argument equally well."""

    task: int
    role: str
    span: str
    question: str
    candidates: tuple[str, ...]


class GroundingErrorItem(_Model):
    """An argument or task that could not be grounded, with the nearest candidates."""

    task: int
    role: str | None = None
    code: str
    message: str
    nearest: tuple[str, ...] = ()


class GroundingWarning(_Model):
    """Something reported without blocking the plan, e.g. an argument whose role no parameter takes."""

    task: int
    role: str | None = None
    code: str
    message: str


class GroundingResult(_Model):
    """Everything grounding one parse produced."""

    instruction: str
    parse: Parse
    tasks: tuple[TaskGrounding, ...] = ()
    plan: tuple[PlanStep, ...] = ()
    clarifications: tuple[Clarification, ...] = ()
    errors: tuple[GroundingErrorItem, ...] = ()
    warnings: tuple[GroundingWarning, ...] = ()
    timing_ms: dict[str, float] = {}

    @property
    def complete(self) -> bool:
        """True when every task grounded and the whole plan holds (the CLI's exit code 0)."""
        return not self.clarifications and not self.errors
