"""Choosing an extractor by backend name: the trained model under a decoding backend, or the rule baseline."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from decoding.backend_names import DECODER_NAMES, DEFAULT_BACKEND, GREEDY, RUNTIMES
from decoding.errors import DecodingError, ModelError, OnnxExportError
from decoding.parse import Parse

from .defaults import cache_dir, default_model_dir, load_library, rule_parser

if TYPE_CHECKING:
    from decoding.parser import Words
    from grounding import SkillLibrary

__all__ = ["Parser", "make_parser", "load_extractor", "build_grammar", "backend_names", "RULES"]

RULES = "rules"


class Parser(Protocol):
    """What the agent needs of an extractor."""

    def parse(self, instruction: str) -> Parse: ...

    def parse_many(self, items: list[Words]) -> list[Parse]: ...

    def parse_n(self, instruction: str, n: int) -> list[Parse]: ...

    @property
    def ask_below(self) -> float | None: ...


def backend_names() -> list[str]:
    return [*DECODER_NAMES, RULES]


def make_parser(backend: str = DEFAULT_BACKEND, model: str | Path | None = None,
                library: SkillLibrary | None = None, runtime: str = "auto") -> Parser:
    """The extractor for `backend`: `rules` is the spaCy rule baseline, any other name a decoder of the model.

    Constrained backends keep to the output grammar of `library` (default: the shipped skill library). `runtime`
    is `load_extractor`'s; the rule baseline has no model.
    """
    _check_runtime(runtime)
    if backend == RULES:
        return rule_parser()
    if backend not in DECODER_NAMES:
        raise DecodingError(f"unknown backend {backend!r}; known: {', '.join(backend_names())}")
    from decoding.confidence import Calibration
    from decoding.decoders import get_backend
    from decoding.parser import TaskParser
    from decoding.tokenize import english_tokenizer

    # spaCy, which the first parse of raw text needs, loads while ONNX Runtime builds its sessions
    extractor, meta = load_extractor(model, runtime, meanwhile=english_tokenizer)
    grammar = None if backend == GREEDY else build_grammar(extractor.config, library or load_library())
    drafter = rule_parser()
    return TaskParser(extractor, get_backend(backend, grammar), drafter,
                      calibration=Calibration.of(meta.get("calibration")),
                      not_triggers=frozenset(drafter.lexicon.data.not_triggers))


def load_extractor(model: str | Path | None = None, runtime: str = "auto",
                   meanwhile: Callable[[], None] | None = None) -> tuple:
    """The extractor checkpoint `model` (default: the shipped one) and its metadata, its inference run by
    `runtime` (one of `RUNTIMES`): torch, ONNX Runtime (`decoding.onnx_runtime`: the encoding and the
    teacher-forced pass), or the same with the encoding's int8 copy; `auto` is ONNX Runtime when installed and
    able to export the model (else torch, with a warning).
    `meanwhile`, more of the caller's loading, runs while ONNX Runtime builds its sessions (not at all in torch)."""
    from decoding.checkpoint import load_checkpoint
    from decoding.onnx_runtime import load_onnx_checkpoint, onnx_available

    _check_runtime(runtime)
    if runtime in ("onnx", "onnx-int8") or (runtime == "auto" and onnx_available()):
        try:
            return load_onnx_checkpoint(model or default_model_dir(), cache_dir() / "onnx", meanwhile,
                                        int8=runtime == "onnx-int8")
        except OnnxExportError as err:
            if runtime != "auto":
                raise
            warnings.warn(f"{err}; running the model in torch instead (--runtime torch skips the attempt)",
                          stacklevel=2)
    return load_checkpoint(model or default_model_dir())


def _check_runtime(runtime: str) -> None:
    if runtime not in RUNTIMES:
        raise ModelError(f"unknown runtime {runtime!r}; known: {', '.join(RUNTIMES)}")


def build_grammar(config, library):
    """The compiled output grammar of `library` for a model of `config` (cached on disk)."""
    from decoding.grammar import ActionSpace, Grammar

    from .spec import output_spec

    library.check_vocabulary(config.task_types, config.roles)  # a user skill's typo names its file, not the model
    spec = output_spec(library, config.max_tasks, config.max_arguments)
    space = ActionSpace(config.task_types, config.roles, config.classes)
    return Grammar(spec, space, cache_dir() / "grammars")
