"""Gold parses as padded tensors of decisions, the training targets of `Extractor.loss`."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .model import ExtractorConfig
from .parse import Parse

__all__ = ["Labels", "targets", "pack"]


class Labels:
    """Label -> id maps of a config."""

    def __init__(self, config: ExtractorConfig):
        self.type = {t: i for i, t in enumerate(config.task_types)}
        self.role = {r: i for i, r in enumerate(config.roles)}
        self.cls = {c: i for i, c in enumerate(config.classes)}
        self.attr = {a: i for i, a in enumerate(config.attributes)}
        self.stop, self.end, self.no_attr = len(self.type), len(self.role), len(self.attr)


Argument = tuple[int, int, int, int]                 # role, span start, span end, class
Task = tuple[int, int, int, Sequence[Argument]]      # type, trigger start, trigger end, arguments


def _pad(rows: Sequence[Sequence[int]], width: int, fill: int) -> torch.Tensor:
    return torch.tensor([list(r) + [fill] * (width - len(r)) for r in rows], dtype=torch.long)


def targets(parses: Sequence[Parse], labels: Labels) -> dict:
    """The decisions of each parse (see `pack`), with the attribute and trigger tags training also needs."""
    sentences = [[(labels.type[t.type], t.trigger.start, t.trigger.end,
                   [(labels.role[a.role], a.span.start, a.span.end, labels.cls[a.grounding]) for a in t.arguments])
                  for t in p.tasks] for p in parses]
    out = pack(sentences, [len(p.tokens) for p in parses], labels.stop, labels.end)
    L, J = out["t_used"].shape[-1], out["roles"].shape[1]
    args = [t.arguments for p in parses for t in p.tasks] or [()]
    out["attr_tags"] = torch.stack([_attr_row(a, J, L, labels) for a in args])
    out["trigger_tags"] = torch.stack([_trigger_row(p, L, labels) for p in parses])
    return out


def pack(sentences: Sequence[Sequence[Task]], lengths: Sequence[int], stop: int, end: int) -> dict:
    """Decision sequences as padded tensors: per sentence its tasks then STOP (B, K+1); per task its arguments
    then END (N, J+1), with each task's sentence and slot. Also what a decision sees of the earlier ones, cheaper
    to compute here than as tensors: each task's anchor (the previous trigger's start), the words inside earlier
    triggers (B, K+1, L), and each argument's words (N, J+1, L)."""
    K, L = max(len(s) for s in sentences) + 1, max(lengths)
    out = {"types": _pad([[t[0] for t in s] + [stop] for s in sentences], K, stop),
           "t_start": _pad([[t[1] for t in s] for s in sentences], K, 0),
           "t_end": _pad([[t[2] for t in s] for s in sentences], K, 0),
           "t_valid": _pad([[1] * (len(s) + 1) for s in sentences], K, 0).bool(),
           "t_anchor": _pad([[0] + [t[1] for t in s] for s in sentences], K, 0),
           "t_used": torch.tensor([[_inside([t[1:3] for t in s[:k]], L) for k in range(K)] for s in sentences])}
    tasks = [(b, k, t) for b, s in enumerate(sentences) for k, t in enumerate(s)]
    if not tasks:  # a batch without tasks still trains STOP; the inner decoder gets one dummy row
        tasks_args, sent, index = [[]], [0], [0]
    else:
        tasks_args = [t[3] for _, _, t in tasks]
        sent, index = [b for b, _, _ in tasks], [k for _, k, _ in tasks]
    J = max(len(a) for a in tasks_args) + 1
    out["task_sentence"], out["task_index"] = torch.tensor(sent), torch.tensor(index)
    out["roles"] = _pad([[a[0] for a in args] + [end] for args in tasks_args], J, end)
    out["a_start"] = _pad([[a[1] for a in args] for args in tasks_args], J, 0)
    out["a_end"] = _pad([[a[2] for a in args] for args in tasks_args], J, 0)
    out["classes"] = _pad([[a[3] for a in args] for args in tasks_args], J, 0)
    valid = _pad([[1] * (len(args) + 1) for args in tasks_args], J, 0).bool()
    out["a_valid"] = valid if tasks else valid & False
    out["a_inside"] = torch.tensor([[_inside([a[1:3]], L) for a in args] + [[False] * L] * (J - len(args))
                                    for args in tasks_args])
    return out


def _inside(spans, L: int) -> list[bool]:
    """Flags of the words inside any of the (start, end) spans."""
    flags = [False] * L
    for start, end in spans:
        flags[start : end + 1] = [True] * (end + 1 - start)
    return flags


def _trigger_row(parse: Parse, L: int, labels: Labels) -> torch.Tensor:
    tags = torch.full((L,), labels.stop, dtype=torch.long)  # `stop` doubles as "no trigger starts here"
    for task in parse.tasks:
        tags[task.trigger.start] = labels.type[task.type]
    return tags


def _attr_row(args, J: int, L: int, labels: Labels) -> torch.Tensor:
    tags = torch.full((J, L), labels.no_attr, dtype=torch.long)
    for j, arg in enumerate(args):
        for mark in arg.attributes:
            tags[j, mark.span.start : mark.span.end + 1] = labels.attr[mark.type]
    return tags
