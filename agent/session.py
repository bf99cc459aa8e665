"""`Session`: a dialogue with an agent in one scene, where a later instruction's pronoun refers to an earlier turn."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from decoding.parse import Argument, Parse, TaskFrame
from decoding.tokenize import check_text, tokenize
from grounding import GroundingError, GroundingResult, SceneGraph
from grounding.describe import normalise
from grounding.lexicon import default_lexicon

from .rebind import Pick, rebind

if TYPE_CHECKING:
    from .api import Agent

__all__ = ["Session"]

_JOINT = " , "  # between the previous turn and the new instruction: a comma, as between two tasks of one instruction


class Session:
    """The scene's current state and the last turn that named something, across the turns of a dialogue.

    A pronoun with nothing to refer to in its own instruction ("now put it in the sink") is read with the previous
    turn before it, so the extractor resolves it as it resolves pronouns inside one instruction, and it is bound to
    the node that turn bound. After a plan runs (e.g. in a simulator), assign the new state to `session.scene`.

    Examples
    --------
    >>> from agent import Agent                                                     # doctest: +SKIP
    >>> session = Agent.load().session("data/scenes/kitchen.yaml")                   # doctest: +SKIP
    >>> session.ground("take the mug").clarifications[0].candidates                  # doctest: +SKIP
    ('mug_1', 'mug_2', 'mug_3')
    >>> _ = session.answer("the blue one")                                           # doctest: +SKIP
    >>> [s.skill for s in session.ground("now put it on the table").plan]             # doctest: +SKIP
    ['navigate', 'pick', 'navigate', 'place']
    """

    def __init__(self, agent: Agent, scene: SceneGraph) -> None:
        self.agent = agent
        self.scene = scene
        self.last: GroundingResult | None = None      # the latest result of the dialogue (what `answer` answers)
        self.context: _Context | None = None          # the latest turn that bound a node: what pronouns refer to

    @property
    def scene(self) -> SceneGraph:
        """The scene the next instruction is grounded in; assign the state a plan's execution left."""
        return self._scene

    @scene.setter
    def scene(self, scene: SceneGraph) -> None:
        if not isinstance(scene, SceneGraph):
            raise TypeError(f"a session's scene must be a SceneGraph, not {type(scene).__name__}")
        self._scene = scene

    def ground(self, instruction: str) -> GroundingResult:
        """Ground the next instruction of the dialogue."""
        check_text(instruction)
        start = time.perf_counter()
        pending = self.last.clarifications if self.last is not None else ()
        parse, referents = self._parse(instruction)
        result = self.agent.ground_parse(parse, self.scene, parse_ms=(time.perf_counter() - start) * 1000)
        if referents:
            result = rebind(result, referents, self.scene, self.agent.library)
        result = self._other(result)
        if pending and any(e.code == "unresolved_reference" for e in result.errors):
            # "take the mug" asked which; "now put it in the sink" cannot know either: the question stays the
            # one to answer (this result is not kept)
            errors = tuple(e.model_copy(update={"message": f"{e.message}: the question of the previous instruction "
                                                           f"({pending[0].question!r}) is not answered yet; answer "
                                                           "it (session.answer), then say this again"})
                           if e.code == "unresolved_reference" else e for e in result.errors)
            return result.model_copy(update={"errors": errors})
        return self.keep(result)

    def is_reply(self, text: str) -> bool:
        """Whether `text` answers the question the last result asks rather than giving a new instruction: a
        question is pending and the words hold no task ("the red one", "not the one in the sink")."""
        return bool(self.last is not None and self.last.clarifications and not self.agent.parse(text).tasks)

    def answer(self, reply: str | None = None, *, node: str | None = None) -> GroundingResult:
        """Answer the last result's question by words or node id (see `Agent.answer`)."""
        if self.last is None:
            raise GroundingError("the session has asked nothing yet: ground an instruction first")
        return self.keep(self.agent.answer(self.last, reply, node=node, scene=self.scene))

    def keep(self, result: GroundingResult) -> GroundingResult:
        """Make `result` the dialogue's latest turn, what later pronouns refer to: a result of `ground`, or one
        settled elsewhere (a question answered by a script); returns it."""
        self.last = result
        context = _Context.of(result, self.scene)
        if context.nodes:
            self.context = context
        return result

    def _other(self, result: GroundingResult) -> GroundingResult:
        """"now bring me the other paint can": a question among look-alikes about words saying "other" is settled
        when all of them but one were bound by the previous turn."""
        if self.context is None:
            return result
        question = result.clarifications[0] if result.clarifications else None   # the one `answer` answers
        if question is None or not default_lexicon().says_other(question.span.split()):
            return result
        left = [n for n in question.candidates if n not in self.context.nodes.values()]
        if len(left) != 1 or len(left) == len(question.candidates):
            return result
        return self._other(self.agent.answer(result, node=left[0], scene=self.scene))

    def _parse(self, instruction: str) -> tuple[Parse, dict[Pick, str]]:
        """The instruction's parse and, for arguments that refer to the previous turn, the nodes they mean."""
        tokens, offsets = tokenize(instruction)
        pronouns = _pronoun_positions(tokens)
        if self.context is None or not pronouns:
            return self.agent.parse(instruction), {}
        joint = self.agent.parse(" ".join(self.context.words) + _JOINT + instruction)
        n = len(self.context.words) + 1
        if joint.tokens[:n - 1] != self.context.words or joint.tokens[n:] != tokens:
            return self.agent.parse(instruction), {}  # the joint text split differently: read the turn alone
        own = Parse(instruction=instruction, tokens=tokens, offsets=offsets)
        return _split(joint, n, own, pronouns, self._referent)

    def _referent(self, start: int, end: int, pronoun: str) -> str | None:
        """The node the previous turn bound to its words `start`..`end`; for "there", where that node is."""
        node = self.context.nodes.get((start, end))
        if node is None or node not in self.scene:
            return None
        return self.scene.place_of(node) if pronoun in _place_pronouns() else node


@dataclass(frozen=True)
class _Context:
    """The words of a turn, its object pronouns replaced by what they meant, and the node of each bound span."""

    words: tuple[str, ...]
    nodes: dict[tuple[int, int], str]

    @classmethod
    def of(cls, result: GroundingResult, scene: SceneGraph) -> _Context:
        # The extractor resolves a pronoun to a noun before it, never to another pronoun: "put it on the table"
        # becomes "put the mug on the table" so that the next turn's "it" can find the mug.
        bound = {(b.span.start, b.span.end): b.node for task in result.tasks for b in task.bindings if b.node}
        words, at = [], []
        for i, token in enumerate(result.parse.tokens):
            node = bound.get((i, i))
            named = scene[node].label.split() if node in scene and normalise(token) in _object_pronouns() else []
            at.append((len(words) + bool(named), len(words) + len(named)))
            words += ["the", *named] if named else [token]
        return cls(tuple(words), {(at[s][0], at[e][1]): node for (s, e), node in bound.items()})


def _place_pronouns() -> tuple[str, ...]:
    return default_lexicon().pronouns.place


def _object_pronouns() -> tuple[str, ...]:
    return default_lexicon().pronouns.object


def _pronoun_positions(tokens: tuple[str, ...]) -> list[int]:
    return [i for i, t in enumerate(tokens) if normalise(t) in (*_object_pronouns(), *_place_pronouns())]


def _split(joint: Parse, n: int, own: Parse, pronouns: list[int], referent) -> tuple[Parse, dict[Pick, str]]:
    """The tasks of the joint parse that lie in the new instruction (words from `n` on), shifted onto `own`; an
    argument pointing into the previous turn is moved onto a pronoun of the new one and its referent noted."""
    tasks, referents = [], {}
    for task in joint.tasks:
        if task.trigger.start < n:
            continue
        free = [p for p in pronouns if p >= task.trigger.end - n + 1] or list(pronouns)
        arguments = []
        for arg in task.arguments:
            if arg.span.start >= n:
                arguments.append(_shifted(arg, n, own))
            elif arg.span.end < n - 1 and free:
                pronoun = free.pop(0)
                node = referent(arg.span.start, arg.span.end, normalise(own.tokens[pronoun]))
                if node is not None:
                    referents[(len(tasks), len(arguments))] = node
                arguments.append(Argument(role=arg.role, span=own.span(pronoun, pronoun), grounding=arg.grounding))
        trigger = own.span(task.trigger.start - n, task.trigger.end - n)
        tasks.append(TaskFrame(type=task.type, trigger=trigger, arguments=tuple(arguments)))
    return own.model_copy(update={"tasks": tuple(tasks)}), referents


def _shifted(arg: Argument, n: int, own: Parse) -> Argument:
    attributes = tuple(a.model_copy(update={"span": own.span(a.span.start - n, a.span.end - n)})
                       for a in arg.attributes if a.span.start >= n)
    return arg.model_copy(update={"span": own.span(arg.span.start - n, arg.span.end - n), "attributes": attributes})
