"""Completing a grounded result after the fact: chosen arguments bound to scene nodes, the plan made again."""

from __future__ import annotations

import time
from collections.abc import Mapping

from grounding import GroundingError, GroundingErrorItem, GroundingResult, SceneGraph, SkillLibrary, TaskGrounding
from grounding.grounder import beside, cannot_fill
from grounding.lexicon import Lexicon, default_lexicon
from grounding.plan import Planner

__all__ = ["rebind", "check_result", "Pick"]

Pick = tuple[int, int]  # (task index, binding index) of the argument to bind
_PLAN_ERROR = "precondition_failed"  # the planner's only error code: every other error comes from grounding


def rebind(result: GroundingResult, picks: Mapping[Pick, str], scene: SceneGraph, library: SkillLibrary,
           lexicon: Lexicon | None = None) -> GroundingResult:
    """`result` with each picked argument bound to its node, its questions and errors gone, and a new plan.

    A user's answer to a clarification, or the referent of a pronoun from an earlier turn, settles arguments the
    grounder left open; the tasks they belong to are grounded again when nothing else holds them back. A node that
    cannot fill its parameter ("it" = the fridge, as the thing to pick up) is an `affordance_violation` error of
    its task, as the grounder says it. `result` must fit `scene` and `library` (`check_result`, which the entry
    points taking a result from a client call: `answer_clarification`, the service's `previous`).

    Examples
    --------
    >>> from agent import Agent                                                   # doctest: +SKIP
    >>> agent = Agent.load(); scene = SceneGraph.load("data/scenes/kitchen.yaml")  # doctest: +SKIP
    >>> result = agent.ground("take the mug", scene)                              # doctest: +SKIP
    >>> [s.skill for s in rebind(result, {(0, 0): "mug_1"}, scene, agent.library).plan]  # doctest: +SKIP
    ['navigate', 'pick']
    """
    start = time.perf_counter()
    lexicon = lexicon or default_lexicon()
    for (t, b), node in picks.items():
        if not (0 <= t < len(result.tasks) and 0 <= b < len(result.tasks[t].bindings)) or node not in scene:
            raise GroundingError(f"cannot bind task {t} argument {b} of {result.instruction!r} to {node!r}")
    settled = {(t, result.tasks[t].bindings[b].role) for t, b in picks}
    errors = [e for e in result.errors if e.code != _PLAN_ERROR and (e.task, e.role) not in settled]
    unfit = _unfit(result, picks, scene, library, lexicon)
    errors += [GroundingErrorItem(task=t, role=result.tasks[t].bindings[b].role, code="affordance_violation",
                                  message=why, nearest=(picks[(t, b)],)) for (t, b), why in unfit.items()]
    picks = {pick: node for pick, node in picks.items() if pick not in unfit}
    tasks = [_bound(task, picks) for task in result.tasks]
    tasks = [_status(task, errors) if any(t == task.task for t, _ in (*picks, *unfit)) else task for task in tasks]
    steps, plan_errors = Planner(scene, library, lexicon).plan(tasks)
    timing = dict(result.timing_ms, rebind=round((time.perf_counter() - start) * 1000, 3))
    return result.model_copy(update={
        "tasks": tuple(tasks), "plan": tuple(steps), "errors": tuple(errors + plan_errors), "timing_ms": timing,
        "clarifications": tuple(c for c in result.clarifications if (c.task, c.role) not in settled)})


def check_result(result: GroundingResult, scene: SceneGraph, library: SkillLibrary) -> None:
    """`GroundingError` unless every skill, parameter and node `result` names is one of `library` and `scene` and
    every question is about a task of it: a result sent back by a client (over HTTP), or grounded in a scene that
    has changed since (the mug taken away), is checked before anything is planned from it."""
    def node(value: str, where: str) -> None:
        if value not in scene:
            raise GroundingError(f"{where}: {value!r} is not a node of the scene given (was the result grounded in "
                                 "another scene, or has the scene changed since?)")

    words = len(result.parse.tokens)
    for i, task in enumerate(result.tasks):
        where = f"task {task.task}"
        if task.task != i:
            raise GroundingError(f"{where} is number {i} of the result's tasks: tasks are numbered in order from 0")
        if task.skill is not None and task.skill not in library:
            raise GroundingError(f"{where}: unknown skill {task.skill!r} (the library has "
                                 f"{', '.join(sorted(library.skills))})")
        kinds = {p.name: p.kind for p in library[task.skill].parameters} if task.skill else {}
        for name, value in task.parameters.items():
            if name not in kinds:
                raise GroundingError(f"{where}: skill {task.skill!r} has no parameter {name!r}")
            if kinds[name] != "value":
                node(value, f"{where} {name}")
        for b in task.bindings:
            if b.span.end >= words or b.span.start > b.span.end:
                raise GroundingError(f"{where} {b.role}: words {b.span.start}-{b.span.end} are not words of the "
                                     f"instruction, which has {words}")
            for value in (*([b.node] if b.node else []), *b.candidates, *b.members):
                node(value, f"{where} {b.role}")
    for question in result.clarifications:
        if not 0 <= question.task < len(result.tasks):
            raise GroundingError(f"the question {question.question!r} is about task {question.task}, and the result "
                                 f"has {len(result.tasks)}")
        for value in question.candidates:
            node(value, f"the question {question.question!r}")


def _unfit(result: GroundingResult, picks: Mapping[Pick, str], scene: SceneGraph, library: SkillLibrary,
           lexicon: Lexicon) -> dict[Pick, str]:
    """The picks whose node cannot fill the parameter its argument fills, with why."""
    out = {}
    for (t, b), node in picks.items():
        task, binding = result.tasks[t], result.tasks[t].bindings[b]
        params = {p.name: p for p in library[task.skill].parameters} if task.skill else {}
        param = params.get(binding.parameter)
        if param is None or (param.kind == "location" and beside(result.parse.tokens, binding.span.start, lexicon)):
            continue   # "next to the chair": a landmark, as the grounder reads it
        why = cannot_fill(scene, node, param, lexicon)
        if why is not None:
            out[(t, b)] = why
    return out


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
