"""The parse data model: `Span`, `Attribute`, `Argument`, `TaskFrame` and `Parse` (formats.md section 1)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["Span", "Attribute", "Argument", "TaskFrame", "Parse", "parse_json_schema"]

UNKNOWN_CLASS = "unk"  # the grounding class of an argument with no scene object


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Span(_Frozen):
    """Words `start`..`end` (0-based, inclusive) of an instruction, with their text and character offsets."""

    start: int = Field(ge=0, description="index of the first word")
    end: int = Field(ge=0, description="index of the last word (inclusive)")
    text: str = Field(description="the words, joined by single spaces")
    char_start: int | None = Field(default=None, ge=0, description="offset of the first character")
    char_end: int | None = Field(default=None, ge=0, description="offset after the last character")

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class Attribute(_Frozen):
    """An attribute mark inside an argument ("red" in "red cup" is `isColour`)."""

    type: str
    span: Span


class Argument(_Frozen):
    """One typed argument of a task: its role, the words that fill it and their detector class."""

    role: str
    span: Span
    grounding: str = UNKNOWN_CLASS
    attributes: tuple[Attribute, ...] = ()
    score: float | None = Field(default=None, ge=0, le=1,
                                description="the model's calibrated probability of this role and span")


class TaskFrame(_Frozen):
    """One task: its type, the trigger words and its arguments."""

    type: str
    trigger: Span
    arguments: tuple[Argument, ...] = ()
    score: float | None = Field(default=None, ge=0, le=1,
                                description="the model's calibrated probability of this task type and trigger")


class Parse(_Frozen):
    """Every task of one instruction, with spans over `tokens`.

    `offsets[i]` is the (start, end) character range of `tokens[i]` in `instruction`.
    """

    instruction: str
    tokens: tuple[str, ...]
    offsets: tuple[tuple[int, int], ...] = ()
    tasks: tuple[TaskFrame, ...] = ()

    @model_validator(mode="after")
    def _spans_inside(self) -> Parse:
        if self.offsets and len(self.offsets) != len(self.tokens):
            raise ValueError(f"{len(self.offsets)} offsets for {len(self.tokens)} tokens")
        for i, task in enumerate(self.tasks):
            for where, span in _spans_of(task):
                self._check_span(span, f"task {i} ({task.type}) {where}")
        return self

    def _check_span(self, span: Span, where: str) -> None:
        if span.end >= len(self.tokens):
            raise ValueError(f"{where}: span {span.start}-{span.end} is outside the {len(self.tokens)} tokens")
        words = " ".join(self.tokens[span.start : span.end + 1])
        if span.text != words:
            raise ValueError(f"{where}: span text {span.text!r} is not the words {words!r}")

    def span(self, start: int, end: int) -> Span:
        """The span of words `start`..`end`, with text and character offsets filled in."""
        text = " ".join(self.tokens[start : end + 1])
        if not self.offsets:
            return Span(start=start, end=end, text=text)
        return Span(start=start, end=end, text=text,
                    char_start=self.offsets[start][0], char_end=self.offsets[end][1])


def _spans_of(task: TaskFrame):
    yield "trigger", task.trigger
    for arg in task.arguments:
        yield f"argument {arg.role}", arg.span
        for att in arg.attributes:
            yield f"attribute {att.type} of {arg.role}", att.span


def parse_json_schema(task_types=None, roles=None, classes=None) -> dict:
    """The JSON Schema of `Parse`; with label lists, task types, roles and classes become enums.

    Examples
    --------
    >>> schema = parse_json_schema(["Picking"], ["Theme"], ["cup", "unk"])
    >>> schema["$defs"]["TaskFrame"]["properties"]["type"]["enum"]
    ['Picking']
    """
    schema = Parse.model_json_schema()
    defs = schema["$defs"]
    for model, field, labels in (("TaskFrame", "type", task_types), ("Argument", "role", roles),
                                 ("Argument", "grounding", classes)):
        if labels is not None:
            defs[model]["properties"][field]["enum"] = list(labels)
    return schema
