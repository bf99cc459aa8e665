"""Answering a clarification: the user's reply (words or a node id) picks among the candidates it asked about."""

from __future__ import annotations

import re
from dataclasses import replace

from grounding import Clarification, GroundingError, GroundingResult, SceneGraph, SkillLibrary
from grounding.describe import Description, describe, normalise
from grounding.lexicon import Lexicon, default_lexicon
from grounding.match import Matcher
from grounding.question import clarification_question

from .rebind import Pick, check_result, rebind

__all__ = ["answer_clarification", "fitting_candidates"]

_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "fifth": 4, "last": -1}
_YES = frozenset({"yes", "yeah", "yep", "correct", "right", "exactly", "sure", "ok", "okay"})  # to "Did you mean X?"
_NO = frozenset({"no", "nope", "not", "wrong"})
_NOT = frozenset({"not", "n't"})
_CLAUSES = re.compile(r"[,;]|\bbut\b|\bi mean\b", re.IGNORECASE)  # "no, not the red one, the white one"
_ANY_KIND = ("room", "object", "person")


def answer_clarification(result: GroundingResult, scene: SceneGraph, library: SkillLibrary, reply: str | None = None,
                         node: str | None = None, lexicon: Lexicon | None = None) -> GroundingResult:
    """`result` with its first pending question answered by `reply` (words) or `node` (a candidate's id).

    A reply that fits one candidate binds it (and every pronoun or repeat that refers to the same mention) and
    plans again; a reply that fits several narrows the question to them; one that fits none raises.

    Examples
    --------
    >>> from agent import Agent                                                    # doctest: +SKIP
    >>> agent = Agent.load(); scene = SceneGraph.load("data/scenes/kitchen.yaml")   # doctest: +SKIP
    >>> result = agent.ground("take the mug", scene)                               # doctest: +SKIP
    >>> answer_clarification(result, scene, agent.library, "the blue one").tasks[0].parameters  # doctest: +SKIP
    {'object': 'mug_2'}
    """
    lexicon = lexicon or default_lexicon()
    question = _pending(result, reply, node)
    check_result(result, scene, library)
    mentions = _mentions(result, question)
    if not mentions:
        raise GroundingError(f"the question {question.question!r} is about {question.role} of task {question.task}, "
                             "which has no argument left open with those candidates")
    chosen = _checked_node(question, node) if node is not None else fitting_candidates(question, reply, scene, lexicon)
    if len(chosen) > 1:
        if set(chosen) == set(question.candidates):
            raise GroundingError(f"the reply {reply!r} fits every candidate of {question.question!r} "
                                 f"({', '.join(question.candidates)}): name one by its colour, its place or its id")
        return _narrowed(result, question, chosen, scene, lexicon)
    return rebind(result, dict.fromkeys(mentions, chosen[0]), scene, library, lexicon)


def _pending(result: GroundingResult, reply: str | None, node: str | None) -> Clarification:
    if (reply is None) == (node is None):
        raise GroundingError("give the answer to a clarification as either words (reply) or a node id (node)")
    if not result.clarifications:
        raise GroundingError(f"the result of {result.instruction!r} asks no question: nothing to answer")
    return result.clarifications[0]


def _checked_node(question: Clarification, node: str) -> tuple[str, ...]:
    if node not in question.candidates:
        raise GroundingError(f"node {node!r} is not a candidate of {question.question!r} "
                             f"(candidates: {', '.join(question.candidates)})")
    return (node,)


def fitting_candidates(question: Clarification, reply: str, scene: SceneGraph, lexicon: Lexicon | None = None
                       ) -> tuple[str, ...]:
    """The candidates of `question` that the words of `reply` fit: by id, by "yes" to a confirmation, by position
    ("the second one"), or by the attributes and relations they state ("the red one", "the one in the sink").

    Examples
    --------
    >>> scene = SceneGraph.from_dict({"rooms": [{"id": "k"}], "objects": [
    ...     {"id": "m1", "class": "cup", "name": "mug", "room": "k", "attributes": {"color": "red"}},
    ...     {"id": "m2", "class": "cup", "name": "mug", "room": "k", "attributes": {"color": "blue"}}]})
    >>> question = Clarification(task=0, role="Theme", span="the mug", question="Which mug?", candidates=("m1", "m2"))
    >>> fitting_candidates(question, "the blue one", scene), fitting_candidates(question, "the first", scene)
    (('m2',), ('m1',))
    """
    lexicon = lexicon or default_lexicon()
    clauses = [words for words in (_words(part) for part in _CLAUSES.split(reply)) if words]
    if not clauses:
        raise GroundingError(f"the reply {reply!r} says nothing: name one of the candidates of {question.question!r} "
                             f"({', '.join(question.candidates)}) by its colour, its place or its id")
    confirmed = _confirmed(question, [w for words in clauses for w in words])
    if confirmed:
        return confirmed
    if clauses[0][0] in _NO and clauses[0][0] not in _NOT:  # "no, the white one": the words after it answer
        clauses = [words for words in (clauses[0][1:], *clauses[1:]) if words]
    kept, excluded = set(question.candidates), set()
    for words in clauses:
        if words[0] in _NOT:  # "not the red one", "the white one, not the red one"
            fits = set(_fitting(question, words[1:], scene, lexicon))
            excluded |= fits if fits != set(question.candidates) else set()  # "not that one" tells nothing
        else:
            kept &= set(_fitting(question, words, scene, lexicon))
    fitting = tuple(c for c in question.candidates if c in kept and c not in excluded)
    if not fitting:
        raise GroundingError(f"the reply {reply!r} fits none of the candidates of {question.question!r} "
                             f"({', '.join(question.candidates)}): name one by its colour, its place or its id")
    return fitting


def _words(text: str) -> list[str]:
    return [w for w in (normalise(t) for t in text.split()) if w]


def _fitting(question: Clarification, words: list[str], scene: SceneGraph, lexicon: Lexicon) -> tuple[str, ...]:
    """The candidates one clause of a reply names: by id, by position, or by what it says of them."""
    if not words:
        return ()
    ids = set(words) | {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}   # "shelf 2": shelf_2
    named = tuple(c for c in question.candidates if c.lower() in ids)
    return named or _by_position(question, words) or _by_description(question, words, scene, lexicon)


def _confirmed(question: Clarification, words: list[str]) -> tuple[str, ...]:
    """The one candidate of a confirmation ("Did you mean the red mug ...?") when the reply says yes."""
    if len(question.candidates) != 1 or not words:
        return ()
    if words[0] in _NO:
        raise GroundingError(f"the reply {' '.join(words)!r} declines {question.candidates[0]!r} for "
                             f"{question.span!r}: name the one you mean, or say the instruction again")
    return question.candidates if words[0] in _YES else ()


def _by_position(question: Clarification, words: list[str]) -> tuple[str, ...]:
    index = next((_ORDINALS[w] for w in words if w in _ORDINALS), None)
    if index is None or not -len(question.candidates) <= index < len(question.candidates):
        return ()
    return (question.candidates[index],)


def _by_description(question: Clarification, words: list[str], scene: SceneGraph, lexicon: Lexicon
                    ) -> tuple[str, ...]:
    # A reply rarely repeats the noun ("the red one"): the question's own noun stands in for it. A bare
    # adjective ("red") reads as a noun on its own, so it is read again as "red one", and a bare place ("next to
    # the stove", "in the sink") as "one next to the stove".
    noun = describe(question.span.split(), lexicon).heads
    matcher = Matcher(scene, lexicon)
    for desc in (describe(words, lexicon), describe([*words, "one"], lexicon), describe(["one", *words], lexicon)):
        nodes = matcher.match(_with_noun(desc, noun), _ANY_KIND).nodes
        fitting = tuple(c for c in question.candidates if c in nodes)
        if fitting:
            return fitting
    return ()


def _with_noun(desc: Description, noun: tuple[str, ...]) -> Description:
    return desc if desc.heads and desc.heads != ("one",) else replace(desc, heads=noun)


def _mentions(result: GroundingResult, question: Clarification) -> list[Pick]:
    """The argument the question is about, and the later ones that refer back to it (pronouns, repeated spans)."""
    picks, tasks = [], {question.task}
    for task in result.tasks[question.task:]:
        for k, binding in enumerate(task.bindings):
            if binding.candidates != question.candidates or binding.node is not None:
                continue
            if (task.task == question.task and binding.role == question.role) or binding.refers_to in tasks:
                picks.append((task.task, k))
                tasks.add(task.task)
    return picks


def _narrowed(result: GroundingResult, question: Clarification, kept: tuple[str, ...], scene: SceneGraph,
              lexicon: Lexicon) -> GroundingResult:
    """The result asking again, about the candidates the reply left."""
    noun = describe(question.span.split(), lexicon).noun
    asked = question.model_copy(update={"candidates": kept, "question": clarification_question(
        scene, noun, list(kept), lexicon.structural)})
    picks = set(_mentions(result, question))
    tasks = tuple(task.model_copy(update={"bindings": tuple(
        b.model_copy(update={"candidates": kept}) if (task.task, k) in picks else b
        for k, b in enumerate(task.bindings))}) for task in result.tasks)
    return result.model_copy(update={"clarifications": (asked, *result.clarifications[1:]), "tasks": tasks})
