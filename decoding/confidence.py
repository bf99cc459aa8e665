"""Confidence of decoded tasks and arguments: the model's probability of each, calibrated on dev.

Whatever backend decoded an instruction, one teacher-forced pass (`Extractor.pass_scores`, in ONNX Runtime when
set) scores its decisions: a task's raw probability is that of its type and trigger (type x first word x last
word), an argument's that of its role and span. Those products are over-confident on long spans and under-confident on
ambiguous short ones, so a `Calibration` (Platt scaling of the log-odds, two numbers per kind, fit on the dev
split and stored in the checkpoint's config) maps them to probabilities that match the observed accuracy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import torch

from .decoders import Decoded
from .lockstep import Batch

__all__ = ["Calibration", "raw_scores", "fit_platt", "ask_threshold"]

_EPS = 1e-6


@dataclass(frozen=True)
class Calibration:
    """Platt scaling per kind: calibrated = sigmoid(a * logit(raw) + b). The identity by default."""

    task: tuple[float, float] = (1.0, 0.0)
    argument: tuple[float, float] = (1.0, 0.0)
    ask_below: float | None = None  # arguments scored below this are confirmed with the user (set on dev)

    @classmethod
    def of(cls, data: dict | None) -> Calibration:
        if not data:
            return cls()
        return cls(tuple(data["task"]), tuple(data["argument"]), data.get("ask_below"))

    def to_dict(self) -> dict:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def apply(self, kind: str, raw: float) -> float:
        """The calibrated probability of a `kind` ("task" or "argument") whose raw probability is `raw`.

        Examples
        --------
        >>> Calibration().apply("task", 0.8)
        0.8
        """
        a, b = getattr(self, kind)
        return _round(_sigmoid(a * _logit(raw) + b))


def raw_scores(batch: Batch, decoded: Sequence[Decoded]) -> list[tuple[list[float], list[list[float]]]]:
    """For each instruction of `batch`, the raw probability of each of its decoded tasks and of each task's
    arguments: those a decoder already knows (`Decoded.raw`), the others from one teacher-forced pass over them."""
    keep = [i for i, d in enumerate(decoded) if d.tasks and d.raw is None]
    out = [d.raw or ([], []) for d in decoded]
    if keep:
        for i, scored in zip(keep, batch.teacher_forced(keep, [decoded[i].tasks for i in keep]), strict=True):
            out[i] = (scored["task_p"], scored["arg_p"])
    return out


def fit_platt(raw: Sequence[float], correct: Sequence[bool], steps: int = 200) -> tuple[float, float]:
    """The (a, b) of Platt scaling that best predicts `correct` from the log-odds of `raw` (log loss)."""
    if not raw or all(correct) or not any(correct):
        return (1.0, 0.0)
    x = torch.tensor([_logit(r) for r in raw], dtype=torch.float64)
    y = torch.tensor([float(c) for c in correct], dtype=torch.float64)
    ab = torch.tensor([1.0, 0.0], dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([ab], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(ab[0] * x + ab[1], y)
        loss.backward()
        return loss

    optimiser.step(closure)
    a, b = ab.detach().tolist()
    return (round(a, 6), round(b, 6))


def ask_threshold(scores: Sequence[float], correct: Sequence[bool], precision: float = 0.5) -> float:
    """The highest score threshold (in steps of 0.05) below which the arguments asked about are wrong more than
    `precision` of the time on these arguments: a question is then more often needed than not. 0.0 (never ask)
    if no threshold is that precise.

    Examples
    --------
    >>> ask_threshold([0.1, 0.2, 0.3, 0.4, 0.9, 0.95], [False, False, True, True, True, True])
    0.4
    """
    best = 0.0
    for step in range(1, 20):
        t = step / 20
        asked = [c for s, c in zip(scores, correct, strict=True) if s < t]
        if asked and sum(not c for c in asked) / len(asked) > precision:
            best = t
    return best


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1 - _EPS)
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _round(p: float) -> float:
    return round(p, 4)  # a padded batch and a single pass differ in the last float bits
