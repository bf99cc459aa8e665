"""Plans: grounded tasks expanded into primitive steps, checked against the state each step assumes."""

from __future__ import annotations

import itertools

from .lexicon import Lexicon
from .predicates import Literal
from .result import GroundingErrorItem, PlanStep, TaskGrounding
from .scene import SceneGraph
from .skills import ARG_REFERENCE, Skill, SkillLibrary
from .state import WorldState

__all__ = ["Planner", "PlanRejected"]

_MAX_INSERT_DEPTH = 3  # navigate <- pick <- handover, or navigate <- open <- pick


class PlanRejected(Exception):
    """A step whose preconditions cannot hold; the message says which and why."""


def _rounds_of(tasks: list[TaskGrounding]) -> list[list[tuple[TaskGrounding, dict[str, str]]]]:
    """(task, arguments) in the order they run: a run of tasks over one set repeated once per member, in turn."""
    rounds, k = [], 0
    while k < len(tasks):
        members = next(iter(tasks[k].sets.values()), None)
        run = [tasks[k]]
        while members and k + len(run) < len(tasks) and members in tasks[k + len(run)].sets.values():
            run.append(tasks[k + len(run)])
        for member in members or (None,):
            rounds.append([(t, dict(t.parameters) | {p: member for p, s in t.sets.items() if s == members})
                           for t in run])
        k += len(run)
    return rounds


class Planner:
    """Expands grounded tasks into primitive steps for one scene and library."""

    def __init__(self, scene: SceneGraph, library: SkillLibrary, lexicon: Lexicon) -> None:
        self.scene, self.library, self.lexicon = scene, library, lexicon

    def plan(self, tasks: list[TaskGrounding]) -> tuple[list[PlanStep], list[GroundingErrorItem]]:
        """Steps for the grounded tasks, in order, up to the first task that is not grounded or cannot run.

        A task over a set ("take all the plates") runs once per member; the tasks after it over the same set
        ("... and put them in the sink") run in the same round, so each plate is taken and put in turn."""
        state, initial = WorldState.initial(self.scene, self.lexicon), WorldState.initial(self.scene, self.lexicon)
        steps: list[PlanStep] = []
        runnable = list(itertools.takewhile(lambda t: t.status == "grounded" and t.skill is not None, tasks))
        for group in _rounds_of(runnable):
            for task, args in group:
                skill = self.library[task.skill]
                if _done(skill, args, state) and not _done(skill, args, initial):
                    continue  # made so by an earlier task: "bring it to me" right after a step handed it over
                try:
                    steps += self._expand(skill, args, task.task, state, 0)
                except PlanRejected as err:
                    return steps, [GroundingErrorItem(task=task.task, code="precondition_failed", message=str(err))]
        return steps, []

    # -- expansion --------------------------------------------------------------------------------------------
    def _expand(self, skill: Skill, args: dict[str, str], task: int, state: WorldState, depth: int,
                inserted: bool = False) -> list[PlanStep]:
        if not skill.composite:
            return self._primitive(skill, args, task, state, depth, inserted)
        steps = []
        for step, condition in zip(skill.steps, skill.step_conditions, strict=True):
            if condition is not None and not state.holds(condition, args):
                continue
            sub = {name: self._resolve(value, args, state) for name, value in step.args.items()}
            steps += self._expand(self.library[step.skill], {k: v for k, v in sub.items() if v}, task, state, depth)
        return steps

    def _resolve(self, value: str, args: dict[str, str], state: WorldState) -> str | None:
        """A step argument: a literal node id, or `$param`, `$param.location`, `$param.room` of the composite."""
        ref = ARG_REFERENCE.match(value)
        if not ref:
            return value
        node = args.get(ref.group(1))
        if node is None or ref.group(2) is None or node not in self.scene:
            return node
        return state.place(node) if ref.group(2) == "location" else self.scene.room_of(node)

    def _primitive(self, skill: Skill, args: dict[str, str], task: int, state: WorldState, depth: int,
                   inserted: bool) -> list[PlanStep]:
        effects = [e for e in skill.eff if all(a in args for a in e.args)]
        if effects and all(state.holds(e, args) for e in effects):
            return []  # already done: walking to where the robot stands, picking what it holds
        steps = []
        for literal in skill.pre:
            if all(a in args for a in literal.args) and not state.holds(literal, args):
                steps += self._achieve(skill, literal, args, task, state, depth)
        steps.append(PlanStep(skill=skill.name, args=args, from_task=task, assumes=state.snapshot(),
                              inserted=inserted))
        for effect in effects:
            state.apply(effect, args)
        return steps

    def _achieve(self, skill: Skill, literal: Literal, args: dict[str, str], task: int, state: WorldState,
                 depth: int) -> list[PlanStep]:
        """Steps of an `auto` skill that make `literal` hold, or `PlanRejected` saying why it cannot."""
        name, node = literal.name, args[literal.args[0]] if literal.args else None
        if name in ("accessible", "enterable"):
            name, node = "opened", state.blocker(node, itself=name == "enterable")
        if name == "near":
            node = state.place(node)
        for helper in self.library.skills.values():
            effect = next((e for e in helper.eff if e.name == name and not e.negated and len(e.args) == 1), None)
            if helper.auto and effect and not literal.negated and depth < _MAX_INSERT_DEPTH:
                steps = self._expand(helper, {effect.args[0]: node}, task, state, depth + 1, inserted=True)
                if state.holds(literal, args):
                    return steps
        raise PlanRejected(f"{skill.name}({', '.join(args.values())}): {literal} does not hold"
                           f"{state.why(literal, args)}")


def _done(skill: Skill, args: dict[str, str], state: WorldState) -> bool:
    """Whether every goal (`achieves`) of `skill` holds in `state` with `args`."""
    return bool(skill.goals) and all(all(a in args for a in g.args) and state.holds(g, args) for g in skill.goals)
