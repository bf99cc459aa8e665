"""The output format of the generative baseline: compact JSON of a `Parse`, its regex and JSON Schema.

The format is the tasks with span texts instead of word indexes::

    [{"type":"Picking","trigger":"take","arguments":[{"role":"Theme","text":"newspaper","class":"newspaper"}]}]

The JSON between values is a handful of fixed segments (`STRUCTURE`), each one token of the tokenizer, so the
format has a single tokenisation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..files import read_text
from ..parse import Argument, Parse, Span, TaskFrame
from ..tokenize import split_words

__all__ = ["STRUCTURE", "Labels", "Bounds", "to_json", "from_json", "template_of", "output_regex", "output_schema"]

# the JSON between values: one token each, so the format has a single tokenisation
EMPTY, OPEN, TRIGGER = '[]', '[{"type":"', '","trigger":"'
ARGS, NO_ARGS_NEXT, NO_ARGS_END = '","arguments":[{"role":"', '","arguments":[]},{"type":"', '","arguments":[]}]'
TEXT, CLASS = '","text":"', '","class":"'
NEXT_ARG, NEXT_TASK, END = '"},{"role":"', '"}]},{"type":"', '"}]}]'
STRUCTURE = (EMPTY, OPEN, TRIGGER, ARGS, NO_ARGS_NEXT, NO_ARGS_END, TEXT, CLASS, NEXT_ARG, NEXT_TASK, END)
JSON_CHARS = frozenset('"{}[],:')  # no value contains them: they are spelled only by `STRUCTURE`
_WORD = "[A-Za-z0-9]{1,24}"  # a word of a span text: what the datasets' spans contain, bounded


@dataclass(frozen=True)
class Labels:
    """The task types, roles and detector classes the output may name (plain data, from the label files)."""

    task_types: tuple[str, ...]
    roles: tuple[str, ...]
    classes: tuple[str, ...]

    @classmethod
    def read(cls, folder: str | Path) -> Labels:
        """The labels of the tagE label folder `folder` (`tasks.txt`, `args.txt`, `grounding.txt`)."""
        words = lambda name: tuple(read_text(Path(folder) / name).split())
        return cls(words("tasks.txt"), words("args.txt"), words("grounding.txt"))


@dataclass(frozen=True)
class Bounds:
    """Every repetition of the output format is bounded, so a weak model cannot loop until the length limit."""

    max_tasks: int = 8          # the splits have at most 8 tasks per instruction
    max_arguments: int = 6      # and at most 6 arguments per task
    max_span_words: int = 6     # and spans of at most 6 words
    max_new_tokens: int = 200   # output tokens; with the start token, within the model's 256 positions


def to_json(parse: Parse) -> str:
    """The compact JSON target of `parse` (attributes and offsets are not part of the format).

    Examples
    --------
    >>> from decoding.tage_format import read_row
    >>> p, _ = read_row("pick the cup", "0 0 Picking ; 2 2 Theme", "picking : pick , theme : cup :cup")
    >>> to_json(p)
    '[{"type":"Picking","trigger":"pick","arguments":[{"role":"Theme","text":"cup","class":"cup"}]}]'
    """
    tasks = [{"type": t.type, "trigger": t.trigger.text,
              "arguments": [{"role": a.role, "text": a.span.text, "class": a.grounding} for a in t.arguments]}
             for t in parse.tasks]
    return json.dumps(tasks, separators=(",", ":"), ensure_ascii=False)


def from_json(text: str, template: Parse) -> tuple[Parse, bool, int]:
    """(parse, valid, dropped): `text` read back onto `template`'s words; spans match their first occurrence
    (case-insensitive); an argument whose text is not found is dropped, a task whose trigger is not found too.
    Text that is not JSON of the format gives an empty parse, not valid."""
    try:
        tasks = json.loads(text)
        if not isinstance(tasks, list):
            raise TypeError("not a list of tasks")
        frames, dropped = [], 0
        for t in tasks:
            trigger = _find(template, t["trigger"])
            args = [(a, _find(template, a["text"])) for a in t["arguments"]]
            dropped += sum(s is None for _, s in args) + (trigger is None)
            if trigger is not None:
                frames.append(TaskFrame(type=t["type"], trigger=trigger, arguments=tuple(
                    Argument(role=a["role"], span=s, grounding=a["class"]) for a, s in args if s is not None)))
    except (json.JSONDecodeError, TypeError, KeyError, ValueError):
        return template.model_copy(update={"tasks": ()}), False, 0
    return template.model_copy(update={"tasks": tuple(frames)}), dropped == 0, dropped


def _find(template: Parse, text: str) -> Span | None:
    """The span of the first occurrence of `text`'s words, with their case, else regardless of case."""
    words = text.split()
    for fold in (str, str.lower):
        wanted, tokens = [fold(w) for w in words], [fold(w) for w in template.tokens]
        for i in range(len(tokens) - len(words) + 1 if words else 0):
            if tokens[i : i + len(words)] == wanted:
                return template.span(i, i + len(words) - 1)
    return None


def template_of(instruction: str) -> Parse:
    """An empty parse of `instruction` over its whitespace words (the datasets' tokenisation)."""
    tokens, offsets = split_words(instruction)
    return Parse(instruction=instruction, tokens=tokens, offsets=offsets)


def _alternatives(words: Sequence[str]) -> str:
    return "(" + "|".join(re.escape(w) for w in words) + ")"


def output_regex(labels: Labels, bounds: Bounds = Bounds()) -> str:
    """The regex of the format: label enums, span texts of bounded words, bounded task and argument counts."""
    text = f"{_WORD}( {_WORD}){{0,{bounds.max_span_words - 1}}}"
    q = re.escape
    arg = f"{_alternatives(labels.roles)}{q(TEXT)}{text}{q(CLASS)}{_alternatives(labels.classes)}"
    args = f"{q(ARGS)}{arg}({q(NEXT_ARG)}{arg}){{0,{bounds.max_arguments - 1}}}"
    head = f"{_alternatives(labels.task_types)}{q(TRIGGER)}{text}"
    # a task is its head, then its arguments or none, then what follows: another task or the end
    more = f"{head}({args}{q(NEXT_TASK)}|{q(NO_ARGS_NEXT)})"
    last = f"{head}({args}{q(END)}|{q(NO_ARGS_END)})"
    return f"{q(EMPTY)}|{q(OPEN)}({more}){{0,{bounds.max_tasks - 1}}}{last}"


def output_schema(labels: Labels, bounds: Bounds = Bounds()) -> dict:
    """The JSON Schema of the same format, for stock outlines."""
    text = {"type": "string", "pattern": f"^{_WORD}( {_WORD}){{0,{bounds.max_span_words - 1}}}$"}
    argument = {"type": "object", "properties": {"role": {"enum": list(labels.roles)}, "text": text,
                                                 "class": {"enum": list(labels.classes)}},
                "required": ["role", "text", "class"], "additionalProperties": False}
    task = {"type": "object", "properties": {"type": {"enum": list(labels.task_types)}, "trigger": text,
                                             "arguments": {"type": "array", "items": argument,
                                                           "maxItems": bounds.max_arguments}},
            "required": ["type", "trigger", "arguments"], "additionalProperties": False}
    return {"type": "array", "items": task, "maxItems": bounds.max_tasks}
