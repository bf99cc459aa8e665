"""The symbolic simulator: a plan run step by step on a scene's state, each step's change, each task's goal checked.

Deterministic; the skills' preconditions, effects and `achieves` goals are read with the planner's own semantics
(`grounding.state.WorldState`). Seeded faults let scripts test recovery: a grasp that fails with probability p, an
object that is missing when the robot arrives to act on it.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal as TypeLiteral

from pydantic import BaseModel, ConfigDict, Field

from .errors import SimulationError
from .lexicon import Lexicon, default_lexicon
from .predicates import Literal
from .result import GroundingResult, PlanStep, TaskGrounding
from .scene import SceneGraph
from .skills import Skill, SkillLibrary
from .state import STATE_KEYS, WorldState

__all__ = ["Simulator", "simulate", "Faults", "Change", "StepFailure", "StepOutcome", "GoalCheck", "SimulationRun",
           "FAILURE_CODES"]

# Every `StepFailure.code`, with what it means.
FAILURE_CODES = {
    "precondition_failed": "a precondition of the step does not hold in the state the run reached",
    "grasp_failed": "an injected fault: the grasp slipped (Faults.grasp_failure)",
    "object_missing": "an injected fault: the object was not there when the robot came to act on it",
}
_ROBOT_FIELDS = (("at", "at"), ("room", "room"), ("holding", "holding"))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True, slots=True)
class _Facts:
    """What the simulator reads of a skill on every step, read once (a skill's parsed literals are slow to reach)."""

    skill: Skill
    pre: tuple[Literal, ...]
    eff: tuple[Literal, ...]
    kinds: dict[str, str]              # parameter -> kind
    changes: frozenset[str]            # the predicates of its effects
    grasps: bool                       # an effect makes `holding` true

    @classmethod
    def of(cls, skill: Skill) -> _Facts:
        eff = skill.eff
        return cls(skill, skill.pre, eff, {p.name: p.kind for p in skill.parameters}, frozenset(e.name for e in eff),
                   any(e.name == "holding" and not e.negated for e in eff))


class Faults(_Model):
    """Faults to inject, reproducibly: the same seed gives the same failures."""

    grasp_failure: float = Field(default=0.0, ge=0.0, le=1.0, description="probability that a grasp fails")
    missing: frozenset[str] = Field(default=frozenset(), description="objects absent when the robot acts on them")
    seed: int = 0


class Change(_Model):
    """One thing a step changed: the robot's place, room or hold, an object's location, open / on state."""

    node: str
    field: str
    before: str | bool | None = None
    after: str | bool | None = None


class StepFailure(_Model):
    """Why a step could not run: the step, the precondition (or fault) and the state it met."""

    step: int = Field(description="1-based index of the step in the plan")
    skill: str
    code: str = Field(description="a key of FAILURE_CODES")
    literal: str | None = Field(default=None, description="the precondition that does not hold, with its nodes")
    message: str
    state: dict[str, str | None] = Field(description="robot_at, room, holding when the step was tried")


class StepOutcome(_Model):
    """One executed (or failed) step and what it changed."""

    step: int
    skill: str
    args: dict[str, str]
    from_task: int
    changes: tuple[Change, ...] = ()
    failure: StepFailure | None = None


class GoalCheck(_Model):
    """Whether a task's `achieves` goals hold once its steps have run."""

    task: int
    skill: str | None = None
    goals: tuple[str, ...] = Field(default=(), description="the goal literals with their nodes")
    status: TypeLiteral["holds", "unmet", "no_goal", "not_planned", "not_reached"]
    unmet: tuple[str, ...] = ()
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when the goal holds, or the skill states none."""
        return self.status in ("holds", "no_goal")


class SimulationRun(_Model):
    """A plan's run: the steps (up to the first that failed), the failure, and each task's goal."""

    instruction: str = ""
    steps: tuple[StepOutcome, ...] = ()
    failure: StepFailure | None = None
    goals: tuple[GoalCheck, ...] = ()

    @property
    def executed(self) -> bool:
        """True when every step ran."""
        return self.failure is None

    @property
    def success(self) -> bool:
        """True when every step ran and every task's goal holds."""
        return self.executed and all(g.ok for g in self.goals)


class Simulator:
    """Runs plans on one scene, one after another: the state carries over from run to run.

    Examples
    --------
    >>> scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "agent": {"room": "k"},
    ...     "objects": [{"id": "mug_1", "class": "cup", "room": "k", "affordances": ["pickable"]}]})
    >>> lib = SkillLibrary.from_dict({"skills": [
    ...     {"name": "pick", "preconditions": ["hand_empty", "near(object)"], "effects": ["holding(object)"],
    ...      "parameters": [{"name": "object", "roles": ["Theme"], "required": True}]},
    ...     {"name": "navigate", "effects": ["near(destination)"],
    ...      "parameters": [{"name": "destination", "roles": ["Goal"], "kind": "location"}]}]})
    >>> sim = Simulator(scene, lib)
    >>> run = sim.execute([PlanStep(skill="pick", args={"object": "mug_1"}, from_task=0)])
    >>> run.failure.literal, run.failure.state["robot_at"]
    ('near(mug_1)', 'k')
    >>> run = sim.execute([PlanStep(skill="navigate", args={"destination": "mug_1"}, from_task=0),
    ...                    PlanStep(skill="pick", args={"object": "mug_1"}, from_task=0)])
    >>> [(c.node, c.field, c.before, c.after) for c in run.steps[1].changes]
    [('robot', 'holding', None, 'mug_1'), ('mug_1', 'location', 'in k', 'held')]
    """

    def __init__(self, scene: SceneGraph, library: SkillLibrary, lexicon: Lexicon | None = None,
                 faults: Faults | None = None) -> None:
        self.library, self.lexicon = library, lexicon or default_lexicon()
        self.faults = faults or Faults()
        self._rng = random.Random(self.faults.seed)
        self.state = WorldState.initial(scene, self.lexicon)
        self._changed = False
        self._facts: dict[str, _Facts] = {}

    @property
    def scene(self) -> SceneGraph:
        """The scene as the runs so far left it: a new graph once something changed (the given one never is)."""
        if self._changed:
            self.state, self._changed = WorldState.initial(self.state.to_scene(), self.lexicon), False
        return self.state.scene

    def run(self, result: GroundingResult) -> SimulationRun:
        """Execute `result.plan` and check the goal of every task of `result`.

        A task that did not ground, or whose planning stopped (a precondition that cannot hold), is reported
        `not_planned`, and so is every task after it: the plan stops there too.
        """
        blocked, reason = {}, ""
        planning_errors = {e.task: e.message for e in result.errors if e.code == "precondition_failed"}
        for task in result.tasks:
            reason = reason or (task.status if task.status != "grounded" else planning_errors.get(task.task, ""))
            if reason:
                blocked[task.task] = reason
        return self._run(result.plan, result.tasks, blocked, result.instruction)

    def execute(self, plan: Sequence[PlanStep], instruction: str = "") -> SimulationRun:
        """Execute a bare plan (no goals to check); bad steps raise `SimulationError` before anything runs."""
        return self._run(plan, (), {}, instruction)

    # -- running ----------------------------------------------------------------------------------------------
    def _run(self, plan: Sequence[PlanStep], tasks: Sequence[TaskGrounding], blocked: Mapping[int, str],
             instruction: str) -> SimulationRun:
        skills = [self._checked(i, step) for i, step in enumerate(plan, start=1)]
        outcomes, goals, failure, i = [], [], None, 0
        for task in [*tasks, None]:  # None: the steps after the last task's, if any
            while i < len(plan) and failure is None and (task is None or plan[i].from_task <= task.task):
                outcomes.append(self._step(i + 1, plan[i], skills[i]))
                failure, i = outcomes[-1].failure, i + 1
            if task is not None:
                goals.append(self._goal(task, blocked.get(task.task), failure))
        self._changed = self._changed or bool(outcomes)
        return SimulationRun(instruction=instruction, steps=tuple(outcomes), failure=failure, goals=tuple(goals))

    def _checked(self, index: int, step: PlanStep) -> _Facts:
        """What the step's skill does, after checking the step names only known skills, parameters and nodes."""
        where = f"plan step {index} ({step.skill})"
        if step.skill not in self._facts:
            if step.skill not in self.library:
                raise SimulationError(f"{where}: unknown skill {step.skill!r} (the library has "
                                      f"{', '.join(sorted(self.library.skills))})")
            self._facts[step.skill] = _Facts.of(self.library[step.skill])
        facts = self._facts[step.skill]
        if facts.skill.composite:
            raise SimulationError(f"{where}: {step.skill!r} is composite; a plan holds primitive steps only")
        for name, value in step.args.items():
            kind = facts.kinds.get(name)
            if kind is None:
                raise SimulationError(f"{where}: {step.skill!r} has no parameter {name!r}")
            if kind != "value" and value not in self.state.scene:
                scene = f"scene {self.state.scene.name!r}" if self.state.scene.name else "the scene"
                raise SimulationError(f"{where}: {name} = {value!r} is not a node of {scene}")
        missing = [p.name for p in facts.skill.parameters if p.required and p.name not in step.args]
        if missing:
            raise SimulationError(f"{where}: required parameter {missing[0]!r} has no argument")
        return facts

    def _step(self, index: int, step: PlanStep, facts: _Facts) -> StepOutcome:
        args = step.args
        failure = self._unmet(index, step, facts) or self._fault(index, step, facts)
        if failure is not None:
            return StepOutcome(step=index, skill=step.skill, args=args, from_task=step.from_task, failure=failure)
        before = self._view(args, facts)
        for effect in facts.eff:
            if all(a in args for a in effect.args):
                self.state.apply(effect, args)
        after = self._view(args, facts)
        changes = tuple(Change(node=key[0], field=key[1], before=value, after=after[key])
                        for key, value in before.items() if after[key] != value)
        return StepOutcome(step=index, skill=step.skill, args=args, from_task=step.from_task, changes=changes)

    def _unmet(self, index: int, step: PlanStep, facts: _Facts) -> StepFailure | None:
        moved = {v for k, v in step.args.items() if facts.kinds.get(k) == "object"}
        onto = next((k for k, v in step.args.items() if facts.kinds.get(k) in ("location", "person") and v in moved),
                    None)
        if onto is not None:   # a saved plan may say so: nothing is put on, in or handed to itself
            return self._failure(index, step, "precondition_failed", None,
                                 f"{step.args[onto]} cannot be the {onto} of itself")
        for literal in facts.pre:
            if all(a in step.args for a in literal.args) and not self.state.holds(literal, step.args):
                shown = _bound(literal, step.args)
                return self._failure(index, step, "precondition_failed", shown,
                                     f"{shown} does not hold{self.state.why(literal, step.args)}")
        return None

    def _fault(self, index: int, step: PlanStep, facts: _Facts) -> StepFailure | None:
        objects = [v for k, v in step.args.items() if facts.kinds[k] == "object"]
        gone = next((o for o in objects if o in self.faults.missing), None)
        if gone is not None:
            return self._failure(index, step, "object_missing", None,
                                 f"{gone} is not at {self.state.place(gone)} when the robot arrives")
        if facts.grasps and self.faults.grasp_failure and self._rng.random() < self.faults.grasp_failure:
            return self._failure(index, step, "grasp_failed", None, f"the grasp of {objects[0]} slipped")
        return None

    def _failure(self, index: int, step: PlanStep, code: str, literal: str | None, problem: str) -> StepFailure:
        call = f"{step.skill}({', '.join(step.args.values())})"
        return StepFailure(step=index, skill=step.skill, code=code, literal=literal,
                           message=f"step {index} {call}: {problem}", state=self.state.snapshot())

    def _view(self, args: dict[str, str], facts: _Facts) -> dict[tuple[str, str], str | bool | None]:
        """What a step may change: the robot, and the location and the fluents of the nodes it names."""
        state = self.state
        view = {("robot", label): getattr(state, attr) for attr, label in _ROBOT_FIELDS}
        moves = "holding" in facts.changes or "located" in facts.changes
        fluents = facts.changes - {"holding", "near", "located"}
        for name, node in args.items():
            if facts.kinds[name] == "value":
                continue
            if moves:
                view[(node, "location")] = state.location(node)
            for fluent in fluents:
                view[(node, STATE_KEYS.get(fluent, fluent))] = state.fluent(fluent, node)
        return view

    def _goal(self, task: TaskGrounding, blocked: str | None, failure: StepFailure | None) -> GoalCheck:
        skill = self.library[task.skill] if task.skill in self.library else None
        literals = [g for g in skill.goals if all(a in task.parameters for a in g.args)] if skill else []
        shown = tuple(_bound(g, task.parameters) for g in literals)
        head = {"task": task.task, "skill": task.skill, "goals": shown}
        if blocked:
            return GoalCheck(**head, status="not_planned", unmet=shown, reason=blocked)
        if failure is not None:
            return GoalCheck(**head, status="not_reached", unmet=shown, reason=failure.message)
        unmet = tuple(s for g, s in zip(literals, shown, strict=True) if not self.state.holds(g, task.parameters))
        status = "no_goal" if not literals else "unmet" if unmet else "holds"
        return GoalCheck(**head, status=status, unmet=unmet)


def _bound(literal: Literal, args: Mapping[str, str]) -> str:
    """The literal with its parameter names replaced by their nodes: ``near(mug_1)``."""
    return str(Literal(literal.name, tuple(args.get(a, a) for a in literal.args), literal.negated))


def simulate(result: GroundingResult, scene: SceneGraph, library: SkillLibrary, lexicon: Lexicon | None = None,
             faults: Faults | None = None) -> SimulationRun:
    """Run the plan of `result` on (a state over) `scene` and check each task's goal; `scene` is not changed.

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> from grounding import ground_parse
    >>> parse, _ = read_row("pick up the mug", "0 1 Picking ; 3 3 Theme", "picking : pick up , theme : mug :cup")
    >>> scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "agent": {"room": "k"},
    ...     "objects": [{"id": "mug_1", "class": "cup", "room": "k", "affordances": ["pickable"]}]})
    >>> lib = SkillLibrary.from_dict({"skills": [
    ...     {"name": "pick", "task_types": ["Picking"], "preconditions": ["near(object)"],
    ...      "effects": ["holding(object)"], "achieves": ["holding(object)"],
    ...      "parameters": [{"name": "object", "roles": ["Theme"], "required": True}]},
    ...     {"name": "navigate", "auto": True, "effects": ["near(destination)"],
    ...      "parameters": [{"name": "destination", "roles": ["Goal"], "kind": "location"}]}]})
    >>> run = simulate(ground_parse(parse, scene, lib), scene, lib)
    >>> run.success, [(g.goals, g.status) for g in run.goals]
    (True, [(('holding(mug_1)',), 'holds')])
    """
    return Simulator(scene, library, lexicon, faults).run(result)
