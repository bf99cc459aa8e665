"""Choosing an extractor by backend name: the trained model under a decoding backend, or the rule baseline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from decoding.backend_names import DECODER_NAMES, DEFAULT_BACKEND
from decoding.parse import Parse

if TYPE_CHECKING:
    from decoding.parser import Words

from .defaults import default_model_dir

__all__ = ["Parser", "make_parser", "backend_names", "RULES"]

RULES = "rules"


class Parser(Protocol):
    """What the agent needs of an extractor."""

    def parse(self, instruction: str) -> Parse: ...

    def parse_many(self, items: list[Words]) -> list[Parse]: ...  # noqa: F821 (only for type checkers)


def backend_names() -> list[str]:
    return [*DECODER_NAMES, RULES]


def make_parser(backend: str = DEFAULT_BACKEND, model: str | Path | None = None) -> Parser:
    """The extractor for `backend`: `rules` is the spaCy rule baseline, any other name a decoder of the model."""
    if backend == RULES:
        from decoding.rules import RuleParser

        return RuleParser.load()
    if backend not in DECODER_NAMES:
        raise ValueError(f"unknown backend {backend!r}; known: {', '.join(backend_names())}")
    from decoding.parser import TaskParser

    return TaskParser.load(model or default_model_dir(), backend)
