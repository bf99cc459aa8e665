"""Choosing an extractor by backend name: the trained model under a decoding backend, or the rule baseline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from decoding.backend_names import DECODER_NAMES, DEFAULT_BACKEND, GREEDY, RUNTIMES
from decoding.errors import DecodingError, ModelError
from decoding.parse import Parse

from .defaults import cache_dir, default_model_dir, load_library, rule_parser

if TYPE_CHECKING:
    from decoding.parser import Words
    from grounding import SkillLibrary

__all__ = ["Parser", "make_parser", "build_grammar", "backend_names", "RULES"]

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
    (one of `RUNTIMES`) runs the encoder's transformer in torch, ONNX Runtime or its int8 copy
    (`decoding.onnx_encoder`); the rule baseline has no encoder.
    """
    if runtime not in RUNTIMES:
        raise ModelError(f"unknown runtime {runtime!r}; known: {', '.join(RUNTIMES)}")
    if backend == RULES:
        return rule_parser()
    if backend not in DECODER_NAMES:
        raise DecodingError(f"unknown backend {backend!r}; known: {', '.join(backend_names())}")
    from decoding.checkpoint import load_checkpoint
    from decoding.confidence import Calibration
    from decoding.decoders import get_backend
    from decoding.onnx_encoder import load_onnx_checkpoint, onnx_available
    from decoding.parser import TaskParser
    from decoding.tokenize import english_tokenizer

    if runtime in ("onnx", "onnx-int8") or (runtime == "auto" and onnx_available()):
        # spaCy, which the first parse of raw text needs, loads while ONNX Runtime builds its session
        extractor, meta = load_onnx_checkpoint(model or default_model_dir(), cache_dir() / "onnx", english_tokenizer,
                                               int8=runtime == "onnx-int8")
    else:
        extractor, meta = load_checkpoint(model or default_model_dir())
    grammar = None if backend == GREEDY else build_grammar(extractor.config, library or load_library())
    return TaskParser(extractor, get_backend(backend, grammar), rule_parser(),
                      calibration=Calibration.of(meta.get("calibration")))


def build_grammar(config, library):
    """The compiled output grammar of `library` for a model of `config` (cached on disk)."""
    from decoding.grammar import ActionSpace, Grammar

    from .spec import output_spec

    library.check_vocabulary(config.task_types, config.roles)  # a user skill's typo names its file, not the model
    spec = output_spec(library, config.max_tasks, config.max_arguments)
    space = ActionSpace(config.task_types, config.roles, config.classes)
    return Grammar(spec, space, cache_dir() / "grammars")
