"""`Agent`: the public entry point. instruction -> parse -> ground -> plan, from one object."""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Sequence
from pathlib import Path

from decoding.backend_names import DEFAULT_BACKEND
from decoding.errors import DecodingError
from decoding.parse import Parse
from decoding.tokenize import check_text
from grounding import (
    GroundingError,
    GroundingResult,
    OpenVocabulary,
    SceneError,
    SceneGraph,
    SkillLibrary,
    ground_parse,
    ground_ranked,
)
from grounding.maps import load_scene

from .answer import answer_clarification
from .defaults import load_library, open_vocabulary
from .parsers import Parser, make_parser
from .session import Session

__all__ = ["Agent"]


class Agent:
    """Extracts tasks from instructions and grounds them in a scene.

    Examples
    --------
    >>> agent = Agent.load()                                                  # doctest: +SKIP
    >>> result = agent.ground("bring me the red mug", "data/scenes/apartment.yaml")  # doctest: +SKIP
    >>> [step.skill for step in result.plan]                                  # doctest: +SKIP
    ['navigate', 'pick', 'navigate', 'handover']

    One agent may serve several threads: its model calls take turns behind a lock, so concurrent calls give
    what serial calls give.
    """

    def __init__(self, parser: Parser, library: SkillLibrary, cautious: bool = False,
                 vocabulary: OpenVocabulary | None = None):
        self.parser, self.library = parser, library
        self.vocabulary = vocabulary  # words the lexicon cannot name are matched by meaning; None: the lexicon only
        # cautious: an argument the extractor scored below the model's threshold (set on dev) is confirmed with a
        # question instead of acted on; None: never. A parser may give no scores (no threshold).
        self.ask_below: float | None = getattr(parser, "ask_below", None) if cautious else None
        self._lock = threading.Lock()
        self._scenes: dict[int, SceneGraph] = {}  # id of a live result -> the scene it was grounded in (answer)

    @classmethod
    def load(cls, model: str | Path | None = None, backend: str = DEFAULT_BACKEND,
             skills: str | Path | Sequence[str | Path] | None = None, cautious: bool = False,
             naming: str = "both", runtime: str = "auto") -> Agent:
        """The shipped model (or checkpoint folder `model`) decoded with `backend`, grounding with the default
        skill library plus the YAML files or folders of `skills` (which override skills of the same name).
        `cautious` asks about every argument the model scores below its dev-set threshold (`ask_below`).
        `naming` is how words name scene nodes (`grounding.vocabulary`): "both" (the lexicon, then sentence
        embeddings for words it does not know), "lexicon" or "embeddings". `runtime` runs the encoder and the decoder's
        teacher-forced pass in "torch" or "onnx" (ONNX Runtime, the `onnx` extra); "auto" takes ONNX Runtime when
        it is installed; "onnx-int8" the same with the encoding in int8, faster but not the same parse on every
        instruction (an opt-in trade, README)."""
        vocabulary, library = open_vocabulary(naming, runtime), load_library(skills)
        return cls(make_parser(backend, model, library, runtime), library, cautious, vocabulary)

    def parse(self, instruction: str) -> Parse:
        """The task frames of one instruction; an empty or task-less instruction gives an empty parse."""
        _check_instruction(instruction)
        with self._lock:
            return self.parser.parse(instruction)

    def parse_n(self, instruction: str, n: int) -> list[Parse]:
        """The `n` best valid parses of `instruction`, best first (fewer if fewer differ); the first is `parse`'s.

        Examples
        --------
        >>> [len(p.tasks) for p in Agent.load().parse_n("take the mug and bring it to me", 3)]  # doctest: +SKIP
        [2, 2, 1]
        """
        _check_instruction(instruction)
        if not isinstance(n, int) or n < 1:
            raise DecodingError(f"n must be a positive integer, not {n!r}")
        with self._lock:
            return self.parser.parse_n(instruction, n)

    def parse_many(self, instructions: Sequence[str]) -> list[Parse]:
        """The parses of several instructions, the encoder run on them in batches: equal to `parse` one by one.

        Examples
        --------
        >>> Agent.load().parse_many(["pick up the box", "open the fridge"])[1].tasks[0].type  # doctest: +SKIP
        'Opening'
        """
        from decoding.parser import Words  # imports torch: only once a model is in use

        instructions = _instructions(instructions)
        for instruction in instructions:
            _check_instruction(instruction)
        with self._lock:
            return self.parser.parse_many([Words.of(instruction) for instruction in instructions])

    def ground(self, instruction: str, scene: SceneGraph | str | Path, n_best: int = 1) -> GroundingResult:
        """Parse `instruction` and ground it in `scene` (a `SceneGraph` or a YAML / JSON scene file).

        With `n_best` > 1 the `n_best` best parses are grounded and re-ranked by how well they ground: the first
        with the fewest grounding errors (a parse whose arguments all exist beats one whose Theme is nowhere),
        ties going to the model's order."""
        if isinstance(n_best, bool) or not isinstance(n_best, int) or n_best < 1:
            raise DecodingError(f"n_best must be a positive integer, not {n_best!r}")
        start = time.perf_counter()
        if n_best == 1:
            parse = self.parse(instruction)
            return self.ground_parse(parse, scene, parse_ms=(time.perf_counter() - start) * 1000)
        parses = self.parse_n(instruction, n_best)
        parse_ms = (time.perf_counter() - start) * 1000
        graph = _graph(scene)
        return self._remember(ground_ranked(parses, graph, self.library, parse_ms=parse_ms,
                                            ask_below=self.ask_below, vocabulary=self.vocabulary), graph)

    def ground_many(self, instructions: Sequence[str], scene: SceneGraph | str | Path) -> list[GroundingResult]:
        """Ground several instructions in one scene, parsed together (`parse_many`): the results of `ground` one by
        one, but for `timing_ms`, where each gets an equal share of the batch's parse time.

        Examples
        --------
        >>> results = Agent.load().ground_many(["take the red mug", "open the fridge"], "data/scenes/kitchen.yaml")
        ... # doctest: +SKIP
        >>> [r.complete for r in results]                                                   # doctest: +SKIP
        [False, True]
        """
        instructions = _instructions(instructions)
        graph = _graph(scene)
        start = time.perf_counter()
        parses = self.parse_many(instructions)
        share = (time.perf_counter() - start) * 1000 / max(len(parses), 1)
        return [self.ground_parse(parse, graph, parse_ms=share) for parse in parses]

    def ground_parse(self, parse: Parse, scene: SceneGraph | str | Path, parse_ms: float = 0.0) -> GroundingResult:
        """Ground a given parse (e.g. a gold one) in `scene`."""
        graph = _graph(scene)
        return self._remember(ground_parse(parse, graph, self.library, parse_ms=parse_ms, ask_below=self.ask_below,
                                           vocabulary=self.vocabulary), graph)

    def answer(self, result: GroundingResult, reply: str | None = None, *, node: str | None = None,
               scene: SceneGraph | str | Path | None = None) -> GroundingResult:
        """The result once its first pending question is answered, by words (`reply`) or by a candidate's `node`.

        `scene` defaults to the scene this agent grounded `result` in; a result that came from elsewhere (e.g.
        over HTTP) needs it. A reply fitting several candidates gives the result asking about those only.

        Examples
        --------
        >>> agent = Agent.load()                                                        # doctest: +SKIP
        >>> result = agent.ground("bring me the mug", "data/scenes/kitchen.yaml")        # doctest: +SKIP
        >>> result.clarifications[0].question                                           # doctest: +SKIP
        'Which mug do you mean: the red one on the table, the blue one in the sink or the red one on the counter?'
        >>> agent.answer(result, "the one in the sink").tasks[0].parameters["object"]   # doctest: +SKIP
        'mug_2'
        """
        if not isinstance(result, GroundingResult):
            raise GroundingError(f"answer takes the GroundingResult that asked, not {type(result).__name__} (a "
                                 "result as JSON: GroundingResult.model_validate(data))")
        if reply is not None:
            check_text(reply, "reply")
        if node is not None and not isinstance(node, str):
            raise GroundingError(f"node must be a node id (a string), not {type(node).__name__}")
        graph = _graph(scene) if scene is not None else self._scenes.get(id(result))
        if graph is None:
            raise GroundingError(f"the scene of the result of {result.instruction!r} is unknown (this agent did not "
                                 "ground it): pass scene=")
        return self._remember(answer_clarification(result, graph, self.library, reply, node), graph)

    def session(self, scene: SceneGraph | str | Path) -> Session:
        """A dialogue in `scene`: pronouns of later instructions refer to what earlier ones named.

        Examples
        --------
        >>> session = Agent.load().session("data/scenes/kitchen.yaml")                  # doctest: +SKIP
        >>> _ = session.ground("take the blue mug")                                     # doctest: +SKIP
        >>> session.ground("now put it on the table").tasks[0].parameters["object"]     # doctest: +SKIP
        'mug_2'
        """
        return Session(self, _graph(scene))

    def _remember(self, result: GroundingResult, graph: SceneGraph) -> GroundingResult:
        key = id(result)
        self._scenes[key] = graph
        weakref.finalize(result, self._scenes.pop, key, None)
        return result


def _graph(scene: SceneGraph | str | Path | dict) -> SceneGraph:
    """A scene as given, built from a scene dict (formats.md section 3), or read from a scene file or a robot map
    file (`grounding.maps.load_scene`)."""
    if isinstance(scene, SceneGraph):
        return scene
    if isinstance(scene, dict):
        return SceneGraph.from_dict(scene)
    if isinstance(scene, str | Path):
        return load_scene(scene)
    raise SceneError(f"scene must be a SceneGraph, a scene dict or the path of a scene file, not "
                     f"{type(scene).__name__}")


def _instructions(instructions: object) -> list:
    """The instructions of a batch as a list; one string is refused (it would be grounded letter by letter)."""
    if isinstance(instructions, str) or not isinstance(instructions, Sequence):
        raise DecodingError(f"instructions must be a list of strings, not {type(instructions).__name__}"
                            + (" (one instruction: use parse or ground)" if isinstance(instructions, str) else ""))
    return list(instructions)


def _check_instruction(instruction: object) -> None:
    check_text(instruction)
