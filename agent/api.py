"""`Agent`: the public entry point. instruction -> parse -> ground -> plan, from one object."""

from __future__ import annotations

from pathlib import Path

from decoding.decoders import DEFAULT_BACKEND
from decoding.parse import Parse

from .parsers import Parser, make_parser

__all__ = ["Agent"]


class Agent:
    """Extracts tasks from instructions and grounds them in a scene.

    Examples
    --------
    >>> agent = Agent.load()                                        # doctest: +SKIP
    >>> agent.parse("take the red mug and bring it to me").tasks[0].type  # doctest: +SKIP
    'Picking'
    """

    def __init__(self, parser: Parser):
        self.parser = parser

    @classmethod
    def load(cls, model: str | Path | None = None, backend: str = DEFAULT_BACKEND) -> Agent:
        """The shipped model (or the checkpoint folder `model`) decoded with `backend`."""
        return cls(make_parser(backend, model))

    def parse(self, instruction: str) -> Parse:
        """The task frames of one instruction; an empty or task-less instruction gives an empty parse."""
        if not isinstance(instruction, str):
            raise TypeError(f"instruction must be a string, not {type(instruction).__name__}")
        return self.parser.parse(instruction)
