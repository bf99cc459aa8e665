"""Plans: grounded tasks expanded into primitive steps, checked against the state each step assumes."""

from __future__ import annotations

from dataclasses import dataclass, field

from .lexicon import Lexicon
from .predicates import Literal
from .result import GroundingErrorItem, PlanStep, TaskGrounding
from .scene import SceneGraph
from .skills import ARG_REFERENCE, Skill, SkillLibrary

__all__ = ["PlanState", "Planner", "PlanRejected"]

_MAX_INSERT_DEPTH = 3  # navigate <- pick <- handover, or navigate <- open <- pick


class PlanRejected(Exception):
    """A step whose preconditions cannot hold; the message says which and why."""


@dataclass
class PlanState:
    """What the plan has done so far: where the robot is, what it holds, what it changed."""

    at: str | None                     # the place the robot stands at (a room, furniture or person)
    room: str | None
    holding: str | None = None
    located: dict[str, str] = field(default_factory=dict)      # moved object -> what it is now on or in
    fluents: dict[tuple, bool] = field(default_factory=dict)   # (predicate, node) -> value, once changed

    def snapshot(self) -> dict[str, str | None]:
        return {"robot_at": self.at, "room": self.room, "holding": self.holding}


class Planner:
    """Expands grounded tasks into primitive steps for one scene and library."""

    def __init__(self, scene: SceneGraph, library: SkillLibrary, lexicon: Lexicon) -> None:
        self.scene, self.library, self.lexicon = scene, library, lexicon

    def plan(self, tasks: list[TaskGrounding]) -> tuple[list[PlanStep], list[GroundingErrorItem]]:
        """Steps for the grounded tasks, in order, up to the first task that is not grounded or cannot run."""
        agent = self.scene.agent
        state = PlanState(at=agent.room, room=agent.room, holding=agent.holding)
        steps: list[PlanStep] = []
        for task in tasks:
            if task.status != "grounded" or task.skill is None:
                break
            try:
                steps += self._expand(self.library[task.skill], dict(task.parameters), task.task, state, 0)
            except PlanRejected as err:
                return steps, [GroundingErrorItem(task=task.task, code="precondition_failed", message=str(err))]
        return steps, []

    # -- expansion --------------------------------------------------------------------------------------------
    def _expand(self, skill: Skill, args: dict[str, str], task: int, state: PlanState, depth: int,
                inserted: bool = False) -> list[PlanStep]:
        if not skill.composite:
            return self._primitive(skill, args, task, state, depth, inserted)
        steps = []
        for step, condition in zip(skill.steps, skill.step_conditions, strict=True):
            if condition is not None and not self._holds(condition, args, state):
                continue
            sub = {name: self._resolve(value, args, state) for name, value in step.args.items()}
            steps += self._expand(self.library[step.skill], {k: v for k, v in sub.items() if v}, task, state, depth)
        return steps

    def _resolve(self, value: str, args: dict[str, str], state: PlanState) -> str | None:
        """A step argument: a literal node id, or `$param`, `$param.location`, `$param.room` of the composite."""
        ref = ARG_REFERENCE.match(value)
        if not ref:
            return value
        node = args.get(ref.group(1))
        if node is None or ref.group(2) is None or node not in self.scene:
            return node
        return self._place(node, state) if ref.group(2) == "location" else self.scene.room_of(node)

    def _primitive(self, skill: Skill, args: dict[str, str], task: int, state: PlanState, depth: int,
                   inserted: bool) -> list[PlanStep]:
        effects = [e for e in skill.eff if all(a in args for a in e.args)]
        if effects and all(self._holds(e, args, state) for e in effects):
            return []  # already done: walking to where the robot stands, picking what it holds
        steps = []
        for literal in skill.pre:
            if all(a in args for a in literal.args) and not self._holds(literal, args, state):
                steps += self._achieve(skill, literal, args, task, state, depth)
        steps.append(PlanStep(skill=skill.name, args=args, from_task=task, assumes=state.snapshot(),
                              inserted=inserted))
        for effect in effects:
            self._apply(effect, args, state)
        return steps

    def _achieve(self, skill: Skill, literal: Literal, args: dict[str, str], task: int, state: PlanState,
                 depth: int) -> list[PlanStep]:
        """Steps of an `auto` skill that make `literal` hold, or `PlanRejected` saying why it cannot."""
        name, node = literal.name, args[literal.args[0]] if literal.args else None
        if name == "accessible":
            name, node = "opened", self._blocker(node, state)
        if name == "near":
            node = self._place(node, state)
        for helper in self.library.skills.values():
            effect = next((e for e in helper.eff if e.name == name and not e.negated and len(e.args) == 1), None)
            if helper.auto and effect and not literal.negated and depth < _MAX_INSERT_DEPTH:
                steps = self._expand(helper, {effect.args[0]: node}, task, state, depth + 1, inserted=True)
                if self._holds(literal, args, state):
                    return steps
        raise PlanRejected(f"{skill.name}({', '.join(args.values())}): {literal} does not hold"
                           f"{self._why(literal, args, state)}")

    def _why(self, literal: Literal, args: dict[str, str], state: PlanState) -> str:
        if literal.name == "hand_empty":
            return f" (the robot holds {state.holding})"
        if literal.name == "holding":
            return f" (the robot holds {state.holding or 'nothing'})"
        if literal.name == "accessible":
            blocker = self._blocker(args[literal.args[0]], state)
            return f" ({args[literal.args[0]]} is in {blocker}, which is closed)" if blocker else ""
        return ""

    # -- state ------------------------------------------------------------------------------------------------
    def _place(self, node: str, state: PlanState) -> str:
        if state.holding == node:
            return state.at
        if node in state.located:
            return self._place(state.located[node], state)
        return self.scene.place_of(node)

    def _blocker(self, node: str, state: PlanState) -> str | None:
        """The closed container that keeps `node` out of reach (a receptacle blocks itself)."""
        chain = [node] if "receptacle" in self.scene[node].affordances else []
        chain += [state.located[node]] if node in state.located else self.scene.supports(node)
        for c in chain:
            inside = c == node or state.located.get(node) == c or self.scene.holds(node, ("in",), c)
            if inside and "openable" in self.scene[c].affordances and not self._fluent("opened", c, state):
                return c
        return None

    def _fluent(self, name: str, node: str, state: PlanState) -> bool:
        if (name, node) in state.fluents:
            return state.fluents[(name, node)]
        states = self.scene[node].states if node in self.scene else {}
        return bool(states.get({"opened": "open", "switched_on": "on"}.get(name, name)))

    def _holds(self, literal: Literal, args: dict[str, str], state: PlanState) -> bool:
        nodes = [args.get(a, a) for a in literal.args]
        value = self._truth(literal.name, nodes, state)
        return value != literal.negated

    def _truth(self, name: str, nodes: list[str], state: PlanState) -> bool:
        x = nodes[0] if nodes else None
        if name == "hand_empty":
            return state.holding is None
        if name == "holding":
            return state.holding == x
        if name == "near":
            return self._near(x, state)
        if name == "accessible":
            return self._blocker(x, state) is None
        if name == "located":
            return state.located.get(x) == nodes[1]
        if name in ("person", "room"):
            return x in self.scene and self.scene[x].kind == name
        if name == "has":
            return x in self.scene and nodes[1] in self.lexicon.implied_affordances(tuple(self.scene[x].affordances))
        return self._fluent(name, x, state)

    def _near(self, x: str, state: PlanState) -> bool:
        node = self.scene[x]
        if node.kind == "room":
            return state.room == x
        return state.holding == x or state.at in (x, self._place(x, state))

    def _apply(self, effect: Literal, args: dict[str, str], state: PlanState) -> None:
        nodes = [args[a] for a in effect.args]
        if effect.name == "holding":
            state.holding = None if effect.negated else nodes[0]
            if not effect.negated:
                state.located.pop(nodes[0], None)
        elif effect.name == "near":
            state.at, state.room = self._place(nodes[0], state), self.scene.room_of(nodes[0])
        elif effect.name == "located":
            state.located[nodes[0]] = nodes[1]
        else:
            state.fluents[(effect.name, nodes[0])] = not effect.negated
