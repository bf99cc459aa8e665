"""Parses as Label Studio tasks: the instruction as data, the parse as a prediction with its scores."""

from __future__ import annotations

from collections.abc import Iterable

from decoding.errors import DataError
from decoding.parse import Parse, Span

from .studio_config import ATTRIBUTE, GROUNDING, ROLE, TEXT, TRIGGER, region_id

__all__ = ["to_studio_task", "to_studio_tasks", "token_offsets"]


def token_offsets(parse: Parse) -> tuple[tuple[int, int], ...]:
    """The character range of every token: `parse.offsets`, else found left to right in the instruction.

    Examples
    --------
    >>> token_offsets(Parse(instruction="pick  it", tokens=("pick", "it")))
    ((0, 4), (6, 8))
    """
    if parse.offsets:
        return parse.offsets
    found, at = [], 0
    for token in parse.tokens:
        start = parse.instruction.find(token, at)
        if start < 0:
            raise DataError(f"token {token!r} is not in the instruction {parse.instruction!r} after character {at}")
        found.append((start, start + len(token)))
        at = start + len(token)
    return tuple(found)


def _region(rid: str, control: str, span: Span, offsets, text: str, value: dict, score=None) -> dict:
    start, end = offsets[span.start][0], offsets[span.end][1]
    item = {"id": rid, "from_name": control, "to_name": TEXT, "type": "labels" if control != GROUNDING else "choices",
            "value": {"start": start, "end": end, "text": text[start:end], **value}}
    if score is not None:
        item["score"] = score
    return item


def _relation(source: str, target: str) -> dict:
    return {"type": "relation", "from_id": source, "to_id": target, "direction": "right"}


def _results(parse: Parse) -> list[dict]:
    offsets, text, out = token_offsets(parse), parse.instruction, []
    for i, task in enumerate(parse.tasks):
        out.append(_region(region_id(i), TRIGGER, task.trigger, offsets, text, {"labels": [task.type]},
                           task.score))
        for j, arg in enumerate(task.arguments):
            rid = region_id(i, j)
            out.append(_region(rid, ROLE, arg.span, offsets, text, {"labels": [arg.role]}, arg.score))
            out.append(_region(rid, GROUNDING, arg.span, offsets, text, {"choices": [arg.grounding]}))
            out.append(_relation(rid, region_id(i)))
            for k, mark in enumerate(arg.attributes):
                out.append(_region(region_id(i, j, k), ATTRIBUTE, mark.span, offsets, text, {"labels": [mark.type]}))
                out.append(_relation(region_id(i, j, k), rid))
    return out


def to_studio_task(parse: Parse, model_version: str = "tage") -> dict:
    """One Label Studio task: `data` holds the instruction and its tokens, `predictions` the parse.

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> [(r["id"], r["from_name"]) for r in to_studio_task(p)["predictions"][0]["result"] if "from_name" in r]
    [('t0', 'trigger'), ('t0a0', 'role'), ('t0a0', 'grounding')]
    """
    results = _results(parse)
    prediction = {"model_version": model_version, "result": results}
    scores = [r["score"] for r in results if "score" in r]
    if scores:
        prediction["score"] = min(scores)  # the least sure decision: what an annotator should look at first
    data = {TEXT: parse.instruction, "tokens": list(parse.tokens), "offsets": [list(o) for o in token_offsets(parse)]}
    return {"data": data, "predictions": [prediction]}


def to_studio_tasks(parses: Iterable[Parse], model_version: str = "tage") -> list[dict]:
    """Label Studio tasks for `parses`, in order (the JSON a project imports)."""
    return [to_studio_task(p, model_version) for p in parses]
