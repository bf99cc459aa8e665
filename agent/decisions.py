"""`decisions`: what a grounded result decided, without its timings and the extractor's confidence scores.

Batched and one-by-one runs decide alike, but a batch computes scores with padding, so they may differ in the last
rounded digit, and timings always differ: comparisons of runs compare `decisions`.
"""

from __future__ import annotations

from decoding.parse import Parse
from grounding import GroundingResult

__all__ = ["decisions", "parse_decisions"]


def parse_decisions(parse: Parse) -> dict:
    """The parse as a dict, without the `score` of its tasks and arguments."""
    dump = parse.model_dump()
    for task in dump["tasks"]:
        task.pop("score", None)
        for argument in task["arguments"]:
            argument.pop("score", None)
    return dump


def decisions(result: GroundingResult) -> dict:
    """The result as a dict, without `timing_ms` and without the `score` of the parse's tasks and arguments.

    Examples
    --------
    >>> from decoding.parse import Parse
    >>> result = GroundingResult(instruction="hi", parse=Parse(instruction="hi", tokens=("hi",)),
    ...                          timing_ms={"total": 1.0})
    >>> sorted(decisions(result))[:3]
    ['clarifications', 'errors', 'instruction']
    """
    return {**result.model_dump(exclude={"timing_ms", "parse"}), "parse": parse_decisions(result.parse)}
