"""Simulated sessions: instructions grounded and executed one after another on one carried-over scene state."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from decoding.files import describe_validation
from grounding import (
    Faults,
    GroundingError,
    GroundingErrorItem,
    GroundingResult,
    SceneGraph,
    SimulationError,
    SimulationRun,
    Simulator,
    SkillLibrary,
)
from grounding.report import format_table

from .api import Agent

__all__ = ["Turn", "Trace", "simulate_session", "replay", "read_result", "check_instructions", "format_trace"]

# Settles a result's questions (e.g. a user's reply given in code); gets the result and the scene it grounded in.
Answer = Callable[[GroundingResult, SceneGraph], GroundingResult]


@dataclass(frozen=True)
class Turn:
    """One instruction: its grounding, its run, and the scene before and after it."""

    result: GroundingResult
    run: SimulationRun
    before: SceneGraph
    after: SceneGraph
    said: str = ""            # the words of the turn: an instruction, or a reply to the previous turn's question
    answers: bool = False     # the turn answered the previous turn's question, and ran its result
    replies: bool = False     # the turn was a reply to the previous turn's question, answering it or not

    @property
    def success(self) -> bool:
        """Fully grounded, every step ran, every task's goal holds; an instruction of no task ("now the other one",
        read alone) did nothing asked, and is no success."""
        return bool(self.result.tasks) and self.result.complete and self.run.success

    def to_dict(self) -> dict:
        """The turn as JSON-ready data: the grounded result, the run and the success flag."""
        return {"instruction": self.result.instruction, "said": self.said or self.result.instruction,
                "replies": self.replies, "answers": self.answers, "success": self.success,
                "result": self.result.model_dump(mode="json", exclude_none=True),
                "run": self.run.model_dump(mode="json", exclude_none=True)}


@dataclass(frozen=True)
class Trace:
    """A simulated session: its turns, in order, and the scene they started from."""

    start: SceneGraph
    turns: tuple[Turn, ...]

    @property
    def success(self) -> bool:
        """Every turn succeeded, a question the next turn replied to counting as that reply's turn."""
        return all(t.success for t in self.counted)

    @property
    def counted(self) -> tuple[Turn, ...]:
        """The turns that count: all but those whose question the next turn replied to (a reply that fits no
        candidate keeps the question open for the turn after it)."""
        return tuple(t for t, after in zip(self.turns, (*self.turns[1:], None), strict=True)
                     if after is None or not after.replies)

    @property
    def final_scene(self) -> SceneGraph:
        """The scene as the last turn left it."""
        return self.turns[-1].after if self.turns else self.start

    def to_dict(self) -> dict:
        """The trace as JSON-ready data (the `--json` output of `tage simulate`)."""
        return {"success": self.success, "turns": [t.to_dict() for t in self.turns]}


def check_instructions(instructions: Sequence[str]) -> list[str]:
    """The instructions, stripped; an empty one raises `SimulationError` naming its place in the sequence."""
    if not instructions:
        raise SimulationError("no instruction to simulate: give at least one")
    stripped = [text.strip() if isinstance(text, str) else "" for text in instructions]
    for i, text in enumerate(stripped, start=1):
        if not text:
            raise SimulationError(f"instruction {i} of {len(stripped)} is empty")
    return stripped


def simulate_session(agent: Agent, scene: SceneGraph, instructions: Sequence[str], faults: Faults | None = None,
                     answer: Answer | None = None) -> Trace:
    """Ground and execute each instruction on the scene the previous one left, as a dialogue (`Agent.session`: "it"
    in "now put it on the table" is what an earlier instruction named); `scene` itself is not changed.

    `answer`, when given, is called on a result that asks a question and returns it settled (the answer in code
    of a script). A text of no task after a turn that asked (`Session.is_reply`: "the red one") answers that
    question, and the answered result runs; a reply that fits no candidate ("the purple one") runs nothing and
    leaves the question open, asked again with the error `reply_unmatched`, for a later reply to answer. A failed
    step or goal does not stop the session: the next instruction starts from the state the failure left.

    Examples
    --------
    >>> agent = Agent.load()                                                  # doctest: +SKIP
    >>> scene = SceneGraph.load("data/scenes/apartment.yaml")                 # doctest: +SKIP
    >>> trace = simulate_session(agent, scene, ["turn on the tv", "bring me the remote"])  # doctest: +SKIP
    >>> trace.success, trace.final_scene["tv_l"].states                       # doctest: +SKIP
    (True, {'on': True})
    """
    texts = check_instructions(instructions)
    simulator = Simulator(scene, agent.library, faults=faults)
    session = agent.session(scene)
    turns = []
    for text in texts:
        before = session.scene = simulator.scene
        replies = session.is_reply(text)
        try:
            result = session.answer(text) if replies else session.ground(text)
        except GroundingError as err:
            if not replies:
                raise
            asked = _asked_again(session.last, err)   # the reply fits none of the candidates, or every one
            turns.append(Turn(asked, simulator.run(asked), before, simulator.scene, said=text, replies=True))
            continue
        if answer is not None and result.clarifications:
            result = session.keep(answer(result, before))
        turns.append(Turn(result, simulator.run(result), before, simulator.scene, said=text, answers=replies,
                          replies=replies))
    return Trace(scene, tuple(turns))


def _asked_again(result: GroundingResult, why: GroundingError) -> GroundingResult:
    """The pending `result` of a question a reply did not settle: nothing to run, the question still asked."""
    question = result.clarifications[0]
    unmatched = GroundingErrorItem(task=question.task, role=question.role, code="reply_unmatched", message=str(why))
    return result.model_copy(update={"plan": (), "errors": (*result.errors, unmatched)})


def read_result(path: str | Path) -> GroundingResult:
    """A grounded result saved as JSON (`tage ground --json`); a bad file raises `SimulationError` naming it."""
    try:
        return GroundingResult.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
    except OSError as err:
        raise SimulationError(f"{path}: cannot read the plan file: {err.strerror}") from err
    except json.JSONDecodeError as err:
        raise SimulationError(f"{path}:{err.lineno}: not JSON: {err.msg}") from err
    except ValidationError as err:
        raise SimulationError(f"{path}: not a grounded result: {describe_validation(err)}") from err


def replay(result: GroundingResult, scene: SceneGraph, library: SkillLibrary, faults: Faults | None = None) -> Trace:
    """A one-turn session executing an already grounded result (e.g. one saved against an older scene).

    Steps naming skills, parameters or nodes that `library` and `scene` do not have raise `SimulationError`.
    """
    simulator = Simulator(scene, library, faults=faults)
    run = simulator.run(result)
    return Trace(scene, (Turn(result, run, scene, simulator.scene),))


def format_trace(trace: Trace) -> str:
    """Each turn's steps, changes and goals as text tables, as `tage simulate` prints them."""
    counted = trace.counted
    return "\n\n".join(_format_turn(i, t) for i, t in enumerate(trace.turns, start=1)) + \
        f"\n\n{'success' if trace.success else 'FAILED'}: {sum(t.success for t in counted)} of " \
        f"{len(counted)} instructions executed and achieved"


def _format_turn(index: int, turn: Turn) -> str:
    parts = [f"Reply {index}: {turn.said} (answers: {turn.result.instruction})" if turn.answers
             else f"Reply {index}: {turn.said} (does not answer: {turn.result.instruction})" if turn.replies
             else f"Instruction {index}: {turn.result.instruction}"]
    if not turn.result.tasks:
        parts.append("  no task found in it")
    parts += [f"  question (task {c.task}): {c.question}" for c in turn.result.clarifications]
    parts += [f"  error (task {e.task}): {e.code}: {e.message}" for e in turn.result.errors]
    rows = [[str(s.step), s.skill, " ".join(f"{k}={v}" for k, v in s.args.items()), str(s.from_task),
             "FAILED: " + s.failure.message if s.failure else
             "; ".join(f"{c.node}.{c.field}: {c.before} -> {c.after}" for c in s.changes) or "(no change)"]
            for s in turn.run.steps]
    parts.append(format_table(["step", "skill", "args", "task", "changes"], rows) if rows else "(no step)")
    goals = [[str(g.task), g.skill or "-", " and ".join(g.goals) or "-", g.status, g.reason]
             for g in turn.run.goals]
    if goals:
        parts.append(format_table(["task", "skill", "goal", "status", "why"], goals))
    return "\n".join(parts)
