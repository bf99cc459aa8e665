"""Decoders turn an encoded instruction into task frames, one model decision at a time.

`greedy` takes the model's best choice at every decision, restricted only to what can be read back as a parse
(pointers to words of the instruction, a span's end not before its start). It is the reference every other backend must reproduce.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import torch

from .model import Encoded, Extractor

__all__ = ["Decoder", "Decoded", "DecodedTask", "DecodedArgument", "GreedyDecoder", "get_backend", "BACKENDS",
           "DEFAULT_BACKEND"]


@dataclass
class DecodedArgument:
    role: int
    start: int
    end: int
    cls: int
    attributes: list[tuple[int, int, int]] = field(default_factory=list)  # (attribute id, start, end)


@dataclass
class DecodedTask:
    type: int
    start: int
    end: int
    arguments: list[DecodedArgument] = field(default_factory=list)


@dataclass
class Decoded:
    """The decisions taken for one instruction and how many decoder calls they cost."""

    tasks: list[DecodedTask]
    calls: int = 0


class Decoder(ABC):
    """Turns one encoded instruction into decoded tasks."""

    name: str = ""

    @abstractmethod
    def decode(self, model: Extractor, enc: Encoded) -> Decoded:
        """Decode `enc` with `model` (in eval mode, under `torch.inference_mode`)."""


def _argmax(scores: torch.Tensor) -> int:
    return int(scores.argmax())


class GreedyDecoder(Decoder):
    """One model call per decision, the best-scoring choice every time."""

    name = "greedy"

    def decode(self, model: Extractor, enc: Encoded) -> Decoded:
        c = model.config
        h = model.outer_init(enc.words, torch.tensor(enc.n))
        out, calls, anchor = [], 0, torch.tensor(0)
        for _ in range(c.max_tasks):
            task_type = _argmax(model.type_scores(h, enc.words))
            calls += 1
            if task_type == model.stop_id:
                break
            t = torch.tensor(task_type)
            start, end, n = self._span(model, h, model.type_emb(t), enc, anchor)
            calls += n
            trigger = model.span_vector(enc.words, torch.tensor(start), torch.tensor(end))
            task = DecodedTask(task_type, start, end)
            calls += self._arguments(model, model.inner_init(h, t, trigger), enc, task)
            out.append(task)
            h = model.advance(model.outer, h[None], model.outer_input(t, trigger)[None, None])[0, -1]
            anchor = torch.tensor(start)
        return Decoded(out, calls)

    def _span(self, model: Extractor, state, label, enc: Encoded, anchor) -> tuple[int, int, int]:
        start = _argmax(model.start_scores(state, label, enc.keys, enc.positions, anchor))
        ends = model.end_scores(state, label, enc.words, enc.keys, enc.positions, torch.tensor(start))
        return start, start + _argmax(ends[start:]), 2  # a span cannot end before it starts

    def _arguments(self, model: Extractor, g, enc: Encoded, task: DecodedTask) -> int:
        calls, anchor = 0, torch.tensor(task.start)
        for _ in range(model.config.max_arguments):
            role = _argmax(model.role_scores(g, enc.words))
            calls += 1
            if role == model.end_id:
                break
            r = torch.tensor(role)
            start, end, n = self._span(model, g, model.role_emb(r), enc, anchor)
            span = model.span_vector(enc.words, torch.tensor(start), torch.tensor(end))
            cls = _argmax(model.class_scores(g, r, span))
            calls += n + 1
            task.arguments.append(DecodedArgument(role, start, end, cls, _marks(model, g, enc, span)))
            g = model.advance(model.inner, g[None], model.inner_input(r, span, torch.tensor(cls))[None, None])[0, -1]
        return calls


def _marks(model: Extractor, g, enc: Encoded, span) -> list[tuple[int, int, int]]:
    """Runs of words tagged with the same attribute, as (attribute id, start, end)."""
    tags = model.attribute_scores(g, enc.words, span).argmax(-1).tolist()
    marks, i = [], 0
    while i < len(tags):
        j = i
        while j + 1 < len(tags) and tags[j + 1] == tags[i]:
            j += 1
        if tags[i] != model.no_attr:
            marks.append((tags[i], i, j))
        i = j + 1
    return marks


DEFAULT_BACKEND = "greedy"
BACKENDS = {"greedy": GreedyDecoder}


def get_backend(name: str) -> Decoder:
    """The decoder registered under `name`; `ValueError` names the known ones otherwise."""
    try:
        return BACKENDS[name]()
    except KeyError:
        raise ValueError(f"unknown backend {name!r}; known: {', '.join(sorted(BACKENDS))}") from None
