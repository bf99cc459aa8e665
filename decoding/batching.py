"""Gold parses as padded tensors of decisions, the training targets of `Extractor.loss`."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from .model import ExtractorConfig
from .parse import Parse

__all__ = ["Labels", "targets"]


class Labels:
    """Label -> id maps of a config."""

    def __init__(self, config: ExtractorConfig):
        self.type = {t: i for i, t in enumerate(config.task_types)}
        self.role = {r: i for i, r in enumerate(config.roles)}
        self.cls = {c: i for i, c in enumerate(config.classes)}
        self.attr = {a: i for i, a in enumerate(config.attributes)}
        self.stop, self.end, self.no_attr = len(self.type), len(self.role), len(self.attr)


def _pad(rows: Sequence[Sequence[int]], width: int, fill: int) -> torch.Tensor:
    return torch.tensor([list(r) + [fill] * (width - len(r)) for r in rows], dtype=torch.long)


def targets(parses: Sequence[Parse], labels: Labels) -> dict:
    """The decisions of each parse: per sentence the tasks then STOP; per task its arguments then END."""
    K = max(len(p.tasks) for p in parses) + 1
    L = max(len(p.tokens) for p in parses)
    out = {"types": _pad([[labels.type[t.type] for t in p.tasks] + [labels.stop] for p in parses], K, labels.stop),
           "t_start": _pad([[t.trigger.start for t in p.tasks] for p in parses], K, 0),
           "t_end": _pad([[t.trigger.end for t in p.tasks] for p in parses], K, 0),
           "t_valid": _pad([[1] * (len(p.tasks) + 1) for p in parses], K, 0).bool()}
    tasks = [(b, k, t) for b, p in enumerate(parses) for k, t in enumerate(p.tasks)]
    if not tasks:  # a batch without tasks still trains STOP; the inner decoder gets one dummy row
        tasks_args, sent, index = [[]], [0], [0]
    else:
        tasks_args = [t.arguments for _, _, t in tasks]
        sent, index = [b for b, _, _ in tasks], [k for _, k, _ in tasks]
    J = max(len(a) for a in tasks_args) + 1
    out["task_sentence"], out["task_index"] = torch.tensor(sent), torch.tensor(index)
    out["roles"] = _pad([[labels.role[a.role] for a in args] + [labels.end] for args in tasks_args], J, labels.end)
    out["a_start"] = _pad([[a.span.start for a in args] for args in tasks_args], J, 0)
    out["a_end"] = _pad([[a.span.end for a in args] for args in tasks_args], J, 0)
    out["classes"] = _pad([[labels.cls[a.grounding] for a in args] for args in tasks_args], J, 0)
    valid = _pad([[1] * (len(args) + 1) for args in tasks_args], J, 0).bool()
    out["a_valid"] = valid if tasks else valid & False
    out["attr_tags"] = torch.stack([_attr_row(args, J, L, labels) for args in tasks_args])
    out["trigger_tags"] = torch.stack([_trigger_row(p, L, labels) for p in parses])
    return out


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
