"""n-best decoding: the best valid parse, then valid runners-up that part from it where the model hesitated.

The best decoding (constrained or greedy) is traced decision by decision. Every decision the model scored is a
place where another output could branch off: its runner-up choice, with the decisions before it kept and those
after it decoded again by the same decoder (so every candidate keeps to the output grammar). Branches are tried
from the cheapest (the smallest loss of log-probability at the branching decision, minus a diversity bonus for
branching at a task no earlier candidate branched at, as diverse beam search rewards groups that differ) and
each candidate is scored by the log-probability of its whole decision sequence; duplicates are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .decoders import Decoded, GreedyDecoder, decision_key
from .model import Encoded, Extractor

__all__ = ["Candidate", "nbest"]


@dataclass(frozen=True)
class Candidate:
    """One decoded output and the log-probability of its decisions (each normalised over the allowed ones)."""

    decoded: Decoded
    logp: float


def _logps(trace: list) -> list[float]:
    """The log-probability of each traced decision; 0 for a known or forced one."""
    return [0.0 if values is None else float(_allowed_logp(values, allowed)[choice])
            for _, choice, allowed, values in trace]


def _allowed_logp(values: torch.Tensor, allowed: list[int] | None) -> dict[int, float]:
    ids = list(range(values.shape[-1])) if allowed is None else list(allowed)
    lp = values[ids].log_softmax(-1).tolist()
    return dict(zip(ids, lp, strict=True))


def nbest(decoder: GreedyDecoder, model: Extractor, enc: Encoded, n: int, diversity: float = 0.5
          ) -> list[Candidate]:
    """Up to `n` distinct decodings of `enc`, best first; the first is `decoder`'s own output.

    Examples
    --------
    >>> from decoding.checkpoint import load_checkpoint          # doctest: +SKIP
    >>> model, _ = load_checkpoint("data/models/extractor")     # doctest: +SKIP
    >>> [c.logp for c in nbest(GreedyDecoder(), model, model.encode([["take", "the", "cup"]])[0], 3)]  # doctest: +SKIP
    [-0.01, -2.3, -3.1]
    """
    start = model.outer_init(enc.words, torch.tensor(enc.n))
    trace: list = []
    best = decoder.resume(decoder.walk(model, enc, trace), start, [])
    logps = _logps(trace)
    prefix = [0.0]
    for lp in logps:
        prefix.append(prefix[-1] + lp)
    out, seen = [Candidate(best, prefix[-1])], {decision_key(best.tasks)}
    for _, i, alt, alt_lp in _branches(trace, logps, diversity)[: 3 * n]:
        if len(out) >= n:
            break
        branch: list = []
        walk = decoder.walk(model, enc, branch)
        walk.know([choice for _, choice, _, _ in trace[:i]] + [alt])
        decoded = decoder.resume(walk, start, [])
        if decision_key(decoded.tasks) in seen:
            continue
        seen.add(decision_key(decoded.tasks))
        out.append(Candidate(decoded, prefix[i] + alt_lp + sum(_logps(branch[i + 1 :]))))
    return [out[0], *sorted(out[1:], key=lambda c: -c.logp)]


def _branches(trace: list, logps: list[float], diversity: float) -> list[tuple[float, int, int, float]]:
    """(cost, decision index, runner-up choice, its log-probability) of every scored decision, cheapest first.
    The cost is the log-probability lost at the branch plus `diversity` times the number of cheaper branches in
    the same task, so that the candidates spread over the tasks instead of all changing the most doubtful one."""
    found, task = [], -1
    for i, (kind, choice, allowed, values) in enumerate(trace):
        task += kind == "type"
        if values is None:
            continue
        lp = _allowed_logp(values, allowed)
        if choice in lp and len(lp) > 1:
            alt = max((c for c in lp if c != choice), key=lp.__getitem__)
            found.append((logps[i] - lp[alt], task, i, alt, lp[alt]))
    per_task: dict[int, int] = {}
    out = []
    for cost, task, i, alt, alt_lp in sorted(found):
        out.append((cost + diversity * per_task.get(task, 0), i, alt, alt_lp))
        per_task[task] = per_task.get(task, 0) + 1
    return sorted(out)
