"""Completing a grounded result after the fact: chosen arguments bound to scene nodes, the plan made again."""

from __future__ import annotations

import time
from collections.abc import Mapping

from grounding import GroundingResult, SceneGraph, SkillLibrary, TaskGrounding
from grounding.lexicon import Lexicon, default_lexicon
from grounding.plan import Planner

__all__ = ["rebind", "Pick"]

Pick = tuple[int, int]  # (task index, binding index) of the argument to bind
_PLAN_ERROR = "precondition_failed"  # the planner's only error code: every other error comes from grounding


def rebind(result: GroundingResult, picks: Mapping[Pick, str], scene: SceneGraph, library: SkillLibrary,
           lexicon: Lexicon | None = None) -> GroundingResult:
    """`result` with each picked argument bound to its node, its questions and errors gone, and a new plan.

    A user's answer to a clarification, or the referent of a pronoun from an earlier turn, settles arguments the
    grounder left open; the tasks they belong to are grounded again when nothing else holds them back.

    Examples
    --------
    >>> from agent import Agent                                                   # doctest: +SKIP
    >>> agent = Agent.load(); scene = SceneGraph.load("data/scenes/kitchen.yaml")  # doctest: +SKIP
    >>> result = agent.ground("take the mug", scene)                              # doctest: +SKIP
    >>> [s.skill for s in rebind(result, {(0, 0): "mug_1"}, scene, agent.library).plan]  # doctest: +SKIP
    ['navigate', 'pick']
    """
    start = time.perf_counter()
    settled = {(t, result.tasks[t].bindings[b].role) for t, b in picks}
    tasks = [_bound(task, picks) for task in result.tasks]
    errors = [e for e in result.errors if e.code != _PLAN_ERROR and (e.task, e.role) not in settled]
    tasks = [_status(task, errors) if any(t == task.task for t, _ in picks) else task for task in tasks]
    steps, plan_errors = Planner(scene, library, lexicon or default_lexicon()).plan(tasks)
    timing = dict(result.timing_ms, rebind=round((time.perf_counter() - start) * 1000, 3))
    return result.model_copy(update={
        "tasks": tuple(tasks), "plan": tuple(steps), "errors": tuple(errors + plan_errors), "timing_ms": timing,
        "clarifications": tuple(c for c in result.clarifications if (c.task, c.role) not in settled)})


def _bound(task: TaskGrounding, picks: Mapping[Pick, str]) -> TaskGrounding:
    bindings, parameters = list(task.bindings), dict(task.parameters)
    for k, binding in enumerate(bindings):
        node = picks.get((task.task, k))
        if node is None:
            continue
        bindings[k] = binding.model_copy(update={"node": node, "score": 1.0, "candidates": ()})
        if binding.parameter:
            parameters[binding.parameter] = node
    return task.model_copy(update={"bindings": tuple(bindings), "parameters": parameters})


def _status(task: TaskGrounding, errors: list) -> TaskGrounding:
    """The grounder's rule: an error or no skill fails a task, an open parameter asks, else it is grounded."""
    if task.skill is None or any(e.task == task.task for e in errors):
        status = "failed"
    elif any(b.parameter and b.node is None and b.candidates for b in task.bindings):  # one candidate: to confirm
        status = "needs_clarification"
    else:
        status = "grounded"
    return task.model_copy(update={"status": status})
